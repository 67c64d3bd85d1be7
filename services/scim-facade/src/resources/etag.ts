import { ScimError } from "@cosafe/scim";
import type { Context } from "koa";

/** SCIM meta.version and the ETag header: a weak ETag over identity-core's opaque version. */
export function weakEtag(version: string): string {
  return `W/"${version}"`;
}

/** The version an `If-Match` header asks for, or undefined when absent or `*`. */
export function ifMatchVersion(ctx: Context): string | undefined {
  const header = ctx.get("if-match").trim();
  if (!header || header === "*") return undefined;
  const match = /^(?:W\/)?"([^"]*)"$/.exec(header.split(",")[0]?.trim() ?? "");
  if (!match) throw new ScimError(400, "invalidSyntax", 'If-Match must be an entity tag such as W/"3"');
  return match[1];
}

/** True when `If-None-Match` names the current version: the client's copy is fresh (304). */
export function notModified(ctx: Context, version: string): boolean {
  const header = ctx.get("if-none-match").trim();
  if (!header) return false;
  if (header === "*") return true;
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === `"${version}"`);
}
