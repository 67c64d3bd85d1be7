import type { Logger } from "@cosafe/logging";
import { ConnectError } from "@cosafe/rpc";
import { ScimError, toErrorBody } from "@cosafe/scim";
import type { Middleware } from "koa";
import { scimErrorFromRpc } from "../errors.js";
import { scimContentType } from "./scim-content-type.js";

/** Koa/HTTP errors with a status (body parser, router) that are not ours. */
function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" && status >= 400 && status < 600 ? status : undefined;
}

/** Any failure as the SCIM error the client sees (also each failed /Bulk operation's `response`). */
export function toScimError(error: unknown): ScimError {
  if (error instanceof ScimError) return error;
  if (error instanceof ConnectError) return scimErrorFromRpc(error);
  const status = httpStatusOf(error);
  if (status === 413)
    return new ScimError(413, undefined, "request body too large (1 MB limit; 16 MB for Group PUT/PATCH)");
  if (status === 400) return new ScimError(400, "invalidSyntax", "request body is not valid JSON");
  if (status && status < 500) return new ScimError(status, undefined, (error as Error).message);
  return new ScimError(500, undefined, "internal error");
}

/**
 * First middleware: every failure leaves as an RFC 7644 §3.12 error body, never HTML or
 * text. Server errors are logged with their cause; the client sees a generic detail.
 */
export function scimErrors(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const scimError = toScimError(error);
      if (scimError.status >= 500)
        logger.error({ err: error, requestId: ctx.state.requestId, path: ctx.path }, "SCIM request failed");
      ctx.status = scimError.status;
      ctx.type = scimContentType;
      ctx.body = toErrorBody(scimError);
      if (scimError.status === 401) ctx.set("WWW-Authenticate", 'Bearer realm="cosafe-scim"');
      if (scimError.status === 503) ctx.set("Retry-After", "30");
    }
  };
}
