import { ScimError } from "@cosafe/scim";
import type { Middleware } from "koa";
import { jsonMediaTypes, mediaTypeOf } from "./json-body.js";

/** A request with a body must send JSON: `application/scim+json` or `application/json` (RFC 7644 §3.1). */
export const requireJsonBody: Middleware = async (ctx, next) => {
  const hasBody = Number(ctx.get("content-length") || 0) > 0 || ctx.get("transfer-encoding") !== "";
  if (
    hasBody &&
    ["POST", "PUT", "PATCH"].includes(ctx.method) &&
    !jsonMediaTypes.has(mediaTypeOf(ctx.get("content-type")))
  ) {
    throw new ScimError(415, "invalidSyntax", "send the body as application/scim+json (or application/json)");
  }
  await next();
};
