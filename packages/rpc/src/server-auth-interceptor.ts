import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { ActorRoleName, ServiceCredentials } from "@cosafe/config";
import type { Logger } from "@cosafe/logging";
import { Role } from "@cosafe/proto/identity";
import { callContextKey } from "./call-context.js";
import { headers, parseActor } from "./call-metadata.js";
import { errorWithReason } from "./error-info.js";
import { reflectionServiceNames } from "./reflection-service.js";

/** Services every caller may reach without credentials (orchestrator probes, grpcurl and buf curl). */
const publicServices = new Set(["grpc.health.v1.Health", ...reflectionServiceNames]);

const roleNames: Record<Role, ActorRoleName | undefined> = {
  [Role.UNSPECIFIED]: undefined,
  [Role.SCIM]: "SCIM",
  [Role.ADMIN]: "ADMIN",
  [Role.SUPPORT]: "SUPPORT",
  [Role.SYSTEM]: "SYSTEM",
};

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** Compares against every accepted secret (one, or two during a rotation), in constant time each. */
function matchesAny(expected: readonly Buffer[], presented: string): boolean {
  const actual = digest(presented);
  let match = false;
  for (const known of expected) match = timingSafeEqual(known, actual) || match;
  return match;
}

/**
 * Authenticates the calling service by its shared secret, checks that the actor role it
 * claims is one its credential allows (docs/adr/0006), reads the actor it acts for (R21b)
 * and the request id, and hands all three to handlers through context values. The same
 * interceptor guards every gRPC service of the project.
 */
export function createServerAuthInterceptor(credentials: ServiceCredentials, logger?: Logger): Interceptor {
  const expected = new Map(
    [...credentials].map(([service, entry]) => [
      service,
      { digests: entry.secrets.map(digest), roles: entry.roles },
    ]),
  );
  return (next) => async (req) => {
    if (publicServices.has(req.service.typeName)) return next(req);
    const service = req.header.get(headers.service) ?? "";
    const presented = /^Bearer (.+)$/.exec(req.header.get(headers.authorization) ?? "")?.[1];
    const known = expected.get(service);
    if (!known || !presented || !matchesAny(known.digests, presented)) {
      throw new ConnectError("service credential missing or invalid", Code.Unauthenticated);
    }
    const actor = parseActor((name) => req.header.get(name));
    if (!actor) {
      throw new ConnectError("actor metadata missing or malformed (x-cosafe-actor-*)", Code.Unauthenticated);
    }
    const role = roleNames[actor.role];
    if (!role || !known.roles.has(role)) {
      const allowed = [...known.roles].join(",");
      logger?.warn(
        { rpc: `${req.service.typeName}/${req.method.name}`, caller: service, claimedRole: role, allowed },
        "caller claimed an actor role its credential does not allow",
      );
      throw errorWithReason(
        Code.PermissionDenied,
        "SERVICE_ROLE_NOT_ALLOWED",
        `service "${service}" may not act as ${role ?? "this role"}; its credential allows ${allowed}`,
        { domain: "rpc.cosafe.com", metadata: { service, role: role ?? "", allowed } },
      );
    }
    const requestId = req.header.get(headers.requestId) || randomUUID();
    req.contextValues.set(callContextKey, { service, actor, requestId });
    return next(req);
  };
}
