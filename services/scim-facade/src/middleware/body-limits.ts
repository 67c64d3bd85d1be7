import { ScimError } from "@cosafe/scim";
import { bodyParser } from "@koa/bodyparser";
import type { Middleware } from "koa";
import { requestLimits } from "../limits.js";
import { checkJsonBody } from "./request-limits.js";

/** R25: a full member list of a large group may be big; everything else is small. Documented in the README. */
const bodyLimits = requestLimits.body;

function parser(limit: string | number): Middleware {
  return bodyParser({
    // The default JSON types already include application/json and application/scim+json.
    // No `extendTypes`: it is lodash-merged by array index, so ["application/scim+json"]
    // would replace "application/json" and leave such bodies unparsed.
    enableTypes: ["json"],
    jsonLimit: limit,
    onError: (error) => {
      throw error;
    },
  }) as Middleware;
}

/**
 * Parses JSON bodies with the limit of the route: 16 MB for Group PUT/PATCH, /Bulk's maxPayloadSize for
 * POST /Bulk, 1 MB elsewhere (413 above),
 * then checks their depth and strings ({@link checkJsonBody}).
 */
export function parseBodies(): Middleware {
  const large = parser(bodyLimits.groupWrite);
  const small = parser(bodyLimits.other);
  const bulk = parser(requestLimits.bulk.maxPayloadSize);
  return async (ctx, next) => {
    const groupWrite =
      (ctx.method === "PUT" || ctx.method === "PATCH") && /\/Groups\/[^/]+\/?$/i.test(ctx.path);
    const bulkRequest = ctx.method === "POST" && /\/Bulk\/?$/i.test(ctx.path);
    const then = async () => {
      checkJsonBody(ctx.request.body);
      await next();
    };
    if (!bulkRequest) return (groupWrite ? large : small)(ctx, then);
    try {
      await bulk(ctx, then);
    } catch (error) {
      // The body parser's 413 (not one of ours from further down) names the advertised limit (RFC 7644 §3.7.4).
      if (error instanceof ScimError || (error as { status?: unknown } | null)?.status !== 413) throw error;
      throw new ScimError(
        413,
        undefined,
        `the size of the bulk request exceeds maxPayloadSize (${requestLimits.bulk.maxPayloadSize} bytes)`,
      );
    }
  };
}
