import { ScimError } from "@cosafe/scim";

/** Largest page the facade returns; larger `count`s are lowered to it (RFC 7644 §3.4.2.4). */
export const maxPageSize = 1000;

function integer(value: string | string[] | undefined, name: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const text = Array.isArray(value) ? value[0] : value;
  const number = Number(text);
  if (!Number.isInteger(number)) throw new ScimError(400, "invalidValue", `${name} must be an integer`);
  return number;
}

/** SCIM startIndex (1-based, values below 1 mean 1) and count (negative means 0). */
export function listParams(query: Record<string, string | string[] | undefined>) {
  const startIndex = Math.max(1, integer(query.startIndex, "startIndex") ?? 1);
  const count = Math.min(maxPageSize, Math.max(0, integer(query.count, "count") ?? 100));
  const filter = Array.isArray(query.filter) ? query.filter[0] : query.filter;
  return { startIndex, count, filter: filter?.trim() || undefined };
}
