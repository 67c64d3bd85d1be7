import { Counter, Histogram, latencyBuckets, type Registry } from "@cosafe/telemetry";
import type { Middleware } from "koa";

/**
 * Counts every HTTP request and times it, by method, route template (`/scim/v2/Users/:id`,
 * never a raw id, so the series stay bounded) and status. Outermost, so the status is the
 * one the identity provider receives.
 */
export function requestMetrics(registry: Registry): Middleware {
  const labelNames = ["method", "route", "status"] as const;
  const requests = new Counter({
    name: "cosafe_scim_requests_total",
    help: "HTTP requests to the SCIM facade, by method, route template and status.",
    labelNames,
    registers: [registry],
  });
  const seconds = new Histogram({
    name: "cosafe_scim_request_duration_seconds",
    help: "Time to answer an HTTP request to the SCIM facade, by method, route template and status.",
    labelNames,
    buckets: latencyBuckets,
    registers: [registry],
  });
  return async (ctx, next) => {
    const stop = seconds.startTimer();
    let failed = false;
    try {
      await next();
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      const labels = {
        method: ctx.method,
        route: typeof matched === "string" ? matched : "unmatched",
        status: String(failed ? 500 : ctx.status),
      };
      requests.inc(labels);
      stop(labels);
    }
  };
}
