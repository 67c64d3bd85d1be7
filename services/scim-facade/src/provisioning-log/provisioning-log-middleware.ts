import { randomUUID } from "node:crypto";
import type { Logger } from "@cosafe/logging";
import type { ProvisioningEntry } from "@cosafe/proto/identity";
import type { Middleware } from "koa";
import type { ScimState } from "../scim-state.js";
import { buildProvisioningEntry } from "./provisioning-entry.js";

export interface ProvisioningLogDeps {
  /** Usually a ProvisioningLogBatcher; `enqueue` must return at once. */
  batcher: { enqueue(entry: ProvisioningEntry): void };
  /** Only requests below this prefix are SCIM requests (default "/scim/v2"); paths are logged relative to it. */
  prefix?: string;
  logger?: Logger;
  /** Wall clock in ms (entry time); tests pass a fixed one. */
  now?: () => number;
}

/** The SCIM error body the facade answered with, if the response is one. Never the request body. */
function errorBodyOf(body: unknown): { scimType?: string; detail?: string } {
  if (!body || typeof body !== "object" || Buffer.isBuffer(body)) return {};
  const { scimType, detail } = body as { scimType?: unknown; detail?: unknown };
  return {
    ...(typeof scimType === "string" ? { scimType } : {}),
    ...(typeof detail === "string" ? { detail } : {}),
  };
}

function statusOfThrown(error: unknown): number {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" && status >= 400 && status < 600 ? status : 500;
}

/**
 * R20: every SCIM request leaves a provisioning-log entry — time, token id, method, path,
 * resource, userName/externalId and ignored attributes from `ctx.state.note`, status, SCIM
 * error, duration — never the request body or the Authorization header. Requests without
 * a valid token have no tenant and go to the support-only stream. Place it after the
 * request-id middleware and before the SCIM error middleware, so it sees the final status
 * and error body. Handing the entry over is synchronous; delivery happens elsewhere.
 */
export function provisioningLog(deps: ProvisioningLogDeps): Middleware<ScimState> {
  const prefix = (deps.prefix ?? "/scim/v2").replace(/\/+$/, "");
  const now = deps.now ?? Date.now;
  return async (ctx, next) => {
    ctx.state.note ??= {};
    if (ctx.path !== prefix && !ctx.path.startsWith(`${prefix}/`)) return next();
    const startedAtMs = now();
    const started = performance.now();
    let thrown: { error: unknown } | undefined;
    try {
      await next();
    } catch (error) {
      thrown = { error };
    }
    try {
      const status = thrown ? statusOfThrown(thrown.error) : ctx.status;
      const errorBody = status >= 400 && !thrown ? errorBodyOf(ctx.body) : {};
      deps.batcher.enqueue(
        buildProvisioningEntry({
          requestId: ctx.state.requestId || randomUUID(),
          startedAtMs,
          durationMs: performance.now() - started,
          method: ctx.method,
          path: ctx.path.slice(prefix.length) || "/",
          status,
          scimType: errorBody.scimType,
          errorDetail: errorBody.detail,
          tenantId: ctx.state.tenantId ?? "",
          tokenId: ctx.state.tokenId ?? "",
          note: ctx.state.note ?? {},
        }),
      );
    } catch (error) {
      // Logging must never fail the request.
      deps.logger?.error({ err: error }, "could not build a provisioning log entry");
    }
    if (thrown) throw thrown.error;
  };
}
