import { randomUUID } from "node:crypto";
import { type Logger, requestContext } from "@cosafe/logging";
import type { Middleware } from "koa";

const probePaths = new Set(["/healthz", "/readyz"]);

/**
 * Gives each request an id (the caller's X-Request-Id when sane, else a new one), binds it
 * to every log line and to outgoing gRPC calls, echoes it back, and logs one line per
 * request — never bodies or tokens.
 */
export function requestLogging(logger: Logger): Middleware {
  return async (ctx, next) => {
    const offered = ctx.get("x-request-id");
    const requestId = /^[\w.:-]{1,128}$/.test(offered) ? offered : randomUUID();
    ctx.set("X-Request-Id", requestId);
    await requestContext.run({ requestId }, async () => {
      const started = performance.now();
      try {
        await next();
      } finally {
        // Probes (/healthz, /readyz) every few seconds per replica: debug, not info.
        logger[probePaths.has(ctx.path) ? "debug" : "info"](
          {
            method: ctx.method,
            path: ctx.path,
            status: ctx.status,
            ms: Math.round(performance.now() - started),
          },
          "scim request",
        );
      }
    });
  };
}
