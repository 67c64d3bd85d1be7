import { ScimError } from "@cosafe/scim";
import type { Context } from "koa";

/** SCIM meta.version and the ETag header: a weak ETag over identity-core's opaque version. */
export function weakEtag(version: string): string {
  return `W/"${version}"`;
}

/**
 * The version an `If-Match` header asks for, or undefined when absent or `*` (RFC 7232 §3.1).
 * A list of entity tags names the first; an unparseable header is 400; an empty entity tag
 * (`""`, `W/""`) names no version of anything, so it never matches: 412 before any write.
 */
export function ifMatchVersion(ctx: Context): string | undefined {
  return versionOfIfMatch(ctx.req.headers["if-match"]);
}

/** {@link ifMatchVersion} of a raw `If-Match` value (a header, or a /Bulk operation's `version`). */
export function versionOfIfMatch(raw: string | string[] | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const header = (Array.isArray(raw) ? raw.join(",") : raw).trim();
  if (header === "*") return undefined;
  const tags = header.split(",").map((tag) => tag.trim());
  const versions = tags.map((tag) => /^(?:W\/)?"([^"]*)"$/.exec(tag)?.[1]);
  if (header === "" || versions.some((version) => version === undefined))
    throw new ScimError(400, "invalidSyntax", 'If-Match must be an entity tag such as W/"3"');
  const version = versions.find((v) => v !== "");
  if (version === undefined)
    throw new ScimError(412, undefined, "If-Match names an empty entity tag, which matches no version");
  return version;
}

/** True when `If-None-Match` names the current version: the client's copy is fresh (304). */
export function notModified(ctx: Context, version: string): boolean {
  const header = ctx.get("if-none-match").trim();
  if (!header) return false;
  if (header === "*") return true;
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === `"${version}"`);
}
