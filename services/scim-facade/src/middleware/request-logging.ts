import { randomUUID } from "node:crypto";
import type { Logger } from "@cosafe/logging";
import type { Middleware } from "koa";
import type { ScimState } from "../scim-state.js";

const probePaths = new Set(["/healthz", "/readyz"]);

/**
 * Gives each request an id (the caller's X-Request-Id when sane, else a new one) in
 * `ctx.state.requestId`, from where the request's log lines, calls (`callHeaders`) and
 * provisioning-log entry take it; echoes it back, and logs one line per request — never
 * bodies or tokens.
 */
export function requestLogging(logger: Logger): Middleware<Pick<ScimState, "requestId">> {
  return async (ctx, next) => {
    const offered = ctx.get("x-request-id");
    const requestId = /^[\w.:-]{1,128}$/.test(offered) ? offered : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set("X-Request-Id", requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      // Probes (/healthz, /readyz) every few seconds per replica: debug, not info.
      logger[probePaths.has(ctx.path) ? "debug" : "info"](
        {
          requestId,
          method: ctx.method,
          path: ctx.path,
          status: ctx.status,
          ms: Math.round(performance.now() - started),
        },
        "scim request",
      );
    }
  };
}
