import { bodyParser } from "@koa/bodyparser";
import type { Middleware } from "koa";

/** R25: a full member list of a large group may be big; everything else is small. Documented in the README. */
export const bodyLimits = { groupWrite: "16mb", other: "1mb" } as const;

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

/** Parses JSON bodies with the limit of the route: 16 MB for Group PUT/PATCH, 1 MB elsewhere (413 above). */
export function parseBodies(): Middleware {
  const large = parser(bodyLimits.groupWrite);
  const small = parser(bodyLimits.other);
  return (ctx, next) => {
    const groupWrite =
      (ctx.method === "PUT" || ctx.method === "PATCH") && /\/Groups\/[^/]+\/?$/i.test(ctx.path);
    return (groupWrite ? large : small)(ctx, next);
  };
}
