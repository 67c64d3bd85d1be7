import { ScimError } from "@cosafe/scim";
import type { Middleware } from "koa";
import { requestLimits } from "../limits.js";
import { readJsonBody } from "./json-body.js";
import { checkJsonBody } from "./request-limits.js";

const mb = 1024 * 1024;
/** R25: a full member list of a large group may be big; everything else is small. Documented in the README. */
const bodyBytes = { groupWrite: 16 * mb, other: mb };

const tooLarge = () =>
  new ScimError(413, undefined, "request body too large (1 MB limit; 16 MB for Group PUT/PATCH)");
const bulkTooLarge = () =>
  new ScimError(
    413,
    undefined,
    `the size of the bulk request exceeds maxPayloadSize (${requestLimits.bulk.maxPayloadSize} bytes)`,
  );

/**
 * Parses JSON bodies with the limit of the route: 16 MB for Group PUT/PATCH, /Bulk's
 * maxPayloadSize for POST /Bulk (RFC 7644 §3.7.4), 1 MB elsewhere, then checks their depth,
 * strings and keys ({@link checkJsonBody}). Our own reader (json-body.ts), not a general body
 * parser: SCIM bodies are JSON only, and the general one cost a create measurably.
 */
export function parseBodies(): Middleware {
  return async (ctx, next) => {
    const groupWrite =
      (ctx.method === "PUT" || ctx.method === "PATCH") && /\/Groups\/[^/]+\/?$/i.test(ctx.path);
    const bulkRequest = ctx.method === "POST" && /\/Bulk\/?$/i.test(ctx.path);
    const body = await readJsonBody(
      ctx.req,
      bulkRequest ? requestLimits.bulk.maxPayloadSize : groupWrite ? bodyBytes.groupWrite : bodyBytes.other,
      bulkRequest ? bulkTooLarge : tooLarge,
    );
    checkJsonBody(body);
    ctx.request.body = body;
    await next();
  };
}
