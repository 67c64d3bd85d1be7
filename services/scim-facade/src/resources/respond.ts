import type { Context } from "koa";
import { scimContentType } from "../middleware/scim-content-type.js";

/** Writes a SCIM JSON response. */
export function respond(
  ctx: Context,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  ctx.status = status;
  ctx.type = scimContentType;
  for (const [name, value] of Object.entries(headers)) ctx.set(name, value);
  ctx.body = body;
}

/** The value of a field identity-core always sets in a successful response. */
export function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`identity-core answered without the ${what}`);
  return value;
}
