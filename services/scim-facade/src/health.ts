import { HealthCheckResponse_ServingStatus as Status } from "@cosafe/proto/health";
import Router from "@koa/router";
import type { CoreClients } from "./clients.js";

/** /healthz: the process is alive. /readyz: identity-core answers its health check, so requests can be served. */
export function healthRouter(core: CoreClients) {
  const router = new Router();
  router.get("/healthz", (ctx) => {
    ctx.body = { status: "ok" };
  });
  router.get("/readyz", async (ctx) => {
    const ready = await core.health
      .check({ service: "" }, { timeoutMs: 2000 })
      .then((res) => res.status === Status.SERVING)
      .catch(() => false);
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? "ready" : "identity-core unavailable" };
  });
  return router;
}
