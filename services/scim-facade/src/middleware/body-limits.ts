import { bodyParser } from "@koa/bodyparser";
import type { Middleware } from "koa";
import { requestLimits } from "../limits.js";
import { checkJsonBody } from "./request-limits.js";

/** R25: a full member list of a large group may be big; everything else is small. Documented in the README. */
const bodyLimits = requestLimits.body;

function parser(limit: string): Middleware {
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
 * Parses JSON bodies with the limit of the route: 16 MB for Group PUT/PATCH, 1 MB elsewhere (413 above),
 * then checks their depth and strings ({@link checkJsonBody}).
 */
export function parseBodies(): Middleware {
  const large = parser(bodyLimits.groupWrite);
  const small = parser(bodyLimits.other);
  return (ctx, next) => {
    const groupWrite =
      (ctx.method === "PUT" || ctx.method === "PATCH") && /\/Groups\/[^/]+\/?$/i.test(ctx.path);
    return (groupWrite ? large : small)(ctx, async () => {
      checkJsonBody(ctx.request.body);
      await next();
    });
  };
}
