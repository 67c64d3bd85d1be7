import { controlCharacterAt, ScimError } from "@cosafe/scim";
import type { Middleware } from "koa";
import { requestLimits } from "../limits.js";

/**
 * Refuses, before authentication and body parsing, what the facade never handles
 * (docs/adr/0018-input-limits.md): a request target over {@link requestLimits.urlLength}
 * characters (414) and a `Content-Encoding` other than identity (415: bodies are plain JSON).
 */
export const requestGuards: Middleware = async (ctx, next) => {
  if (ctx.originalUrl.length > requestLimits.urlLength)
    throw new ScimError(
      414,
      undefined,
      `the request URL is longer than ${requestLimits.urlLength} characters`,
    );
  const encoding = ctx.get("content-encoding").trim().toLowerCase();
  if (encoding !== "" && encoding !== "identity")
    throw new ScimError(
      415,
      "invalidSyntax",
      `Content-Encoding "${encoding.slice(0, 32)}" is not supported: send the body uncompressed`,
    );
  await next();
};

/** Control characters a JSON string of a request never needs (tab, newline and carriage return may occur in addresses). */
const badControl = (text: string) => controlCharacterAt(text, "\t\n\r") >= 0;

const isObjectWith = (value: unknown, key: string) =>
  typeof value === "object" && value !== null && Object.hasOwn(value, key);

/**
 * Checks a parsed JSON body without recursion: nesting at most {@link requestLimits.jsonDepth}
 * (400 invalidSyntax) and no NUL or other control character in any key or string (400 invalidValue),
 * so nothing deeper down (PATCH, projection, the provisioning log, PostgreSQL) meets them.
 */
export function checkJsonBody(body: unknown): void {
  const stack: [unknown, number][] = [[body, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (typeof value === "string") {
      if (badControl(value))
        throw new ScimError(400, "invalidValue", "a string in the body contains a control character");
      continue;
    }
    if (typeof value !== "object" || value === null) continue;
    if (depth >= requestLimits.jsonDepth)
      throw new ScimError(
        400,
        "invalidSyntax",
        `the body is nested deeper than ${requestLimits.jsonDepth} levels`,
      );
    if (Array.isArray(value)) {
      for (const item of value) stack.push([item, depth + 1]);
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      // JSON.parse makes "__proto__" an own key: refused before any merge can turn it into a prototype.
      if (key === "__proto__" || (key === "constructor" && isObjectWith(item, "prototype")))
        throw new ScimError(400, "invalidSyntax", "request body is not valid JSON");
      if (badControl(key))
        throw new ScimError(
          400,
          "invalidValue",
          "an attribute name in the body contains a control character",
        );
      stack.push([item, depth + 1]);
    }
  }
}
