import { HealthCheckResponse_ServingStatus as Status } from "@cosafe/proto/health";
import type { Middleware } from "koa";
import type { CoreClients } from "./clients.js";

/**
 * GET (or HEAD) /healthz: the process is alive. /readyz: identity-core answers its health
 * check, so requests can be served. A plain middleware, not a router: it is the first stop of
 * every request, and everything under `/scim` passes it with one string test.
 */
export function healthProbes(core: CoreClients): Middleware {
  return async (ctx, next) => {
    if (ctx.path.startsWith("/scim") || (ctx.method !== "GET" && ctx.method !== "HEAD")) return next();
    const path = ctx.path.toLowerCase().replace(/\/$/, "");
    if (path === "/healthz") {
      ctx.body = { status: "ok" };
      return;
    }
    if (path === "/readyz") {
      const ready = await core.health
        .check({ service: "" }, { timeoutMs: 2000 })
        .then((res) => res.status === Status.SERVING)
        .catch(() => false);
      ctx.status = ready ? 200 : 503;
      ctx.body = { status: ready ? "ready" : "identity-core unavailable" };
      return;
    }
    return next();
  };
}
