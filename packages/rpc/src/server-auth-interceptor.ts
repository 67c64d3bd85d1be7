import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { callContextKey } from "./call-context.js";
import { headers, parseActor } from "./call-metadata.js";
import { reflectionServiceNames } from "./reflection-service.js";

/** Services every caller may reach without credentials (orchestrator probes, grpcurl and buf curl). */
const publicServices = new Set(["grpc.health.v1.Health", ...reflectionServiceNames]);

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/**
 * Authenticates the calling service by its shared secret, reads the actor it acts for
 * (R21b) and the request id, and hands all three to handlers through context values.
 * The same interceptor guards every gRPC service of the project.
 */
export function createServerAuthInterceptor(credentials: ReadonlyMap<string, string>): Interceptor {
  const expected = new Map([...credentials].map(([service, secret]) => [service, digest(secret)]));
  return (next) => async (req) => {
    if (publicServices.has(req.service.typeName)) return next(req);
    const service = req.header.get(headers.service) ?? "";
    const presented = /^Bearer (.+)$/.exec(req.header.get(headers.authorization) ?? "")?.[1];
    const known = expected.get(service);
    if (!known || !presented || !timingSafeEqual(known, digest(presented))) {
      throw new ConnectError("service credential missing or invalid", Code.Unauthenticated);
    }
    const actor = parseActor((name) => req.header.get(name));
    if (!actor) {
      throw new ConnectError("actor metadata missing or malformed (x-cosafe-actor-*)", Code.Unauthenticated);
    }
    const requestId = req.header.get(headers.requestId) || randomUUID();
    req.contextValues.set(callContextKey, { service, actor, requestId });
    return next(req);
  };
}
