import { type ProjectionParams, ScimError } from "@cosafe/scim";
import { requestLimits } from "../limits.js";

/** Largest page the facade returns; larger `count`s are lowered to it (RFC 7644 §3.4.2.4). */
export const maxPageSize = requestLimits.maxPageSize;

type Query = Record<string, unknown>;

function text(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || first === null) return undefined;
  if (typeof first === "number") return String(first);
  if (typeof first !== "string") throw new ScimError(400, "invalidValue", "query parameters must be strings");
  return first.trim() === "" ? undefined : first;
}

function integer(value: unknown, name: string): number | undefined {
  const raw = text(value);
  if (raw === undefined) return undefined;
  const number = Number(raw);
  if (!Number.isInteger(number)) throw new ScimError(400, "invalidValue", `${name} must be an integer`);
  return number;
}

/** Case-insensitive lookup of a query parameter (Entra and others vary the case). */
function param(query: Query, name: string): unknown {
  const key = Object.keys(query).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : query[key];
}

export interface ListParams {
  startIndex: number;
  count: number;
  filter: string | undefined;
  sortBy: string | undefined;
  descending: boolean;
  projection: ProjectionParams;
  /** Cursor pagination (RFC 9865): the `cursor` sent, "" for the first page; undefined: index pagination. */
  cursor: string | undefined;
}

/**
 * Reads the SCIM list parameters from a query string or a /.search body (RFC 7644 §3.4.2, §3.4.3):
 * startIndex below 1 means 1, a negative count 0, and count is capped at {@link maxPageSize}; a startIndex
 * beyond int32 is lowered to {@link requestLimits.maxStartIndex} (an empty page, never an error).
 */
export function listParams(query: Query): ListParams {
  const sortOrder = text(param(query, "sortOrder"))?.toLowerCase();
  if (sortOrder && sortOrder !== "ascending" && sortOrder !== "descending") {
    throw new ScimError(400, "invalidValue", 'sortOrder must be "ascending" or "descending"');
  }
  const cursorValue = param(query, "cursor");
  const cursor = cursorValue === undefined ? undefined : (text(cursorValue) ?? "");
  if (cursor !== undefined && param(query, "startIndex") !== undefined) {
    throw new ScimError(400, "invalidValue", "cursor and startIndex cannot be combined (RFC 9865)");
  }
  return {
    cursor,
    startIndex: Math.min(
      requestLimits.maxStartIndex,
      Math.max(1, integer(param(query, "startIndex"), "startIndex") ?? 1),
    ),
    count: Math.min(maxPageSize, Math.max(0, integer(param(query, "count"), "count") ?? 100)),
    filter: text(param(query, "filter")),
    sortBy: text(param(query, "sortBy")),
    descending: sortOrder === "descending",
    projection: projectionParams(query),
  };
}

/** `attributes` / `excludedAttributes`, as strings (query) or arrays (/.search body). */
export function projectionParams(query: Query): ProjectionParams {
  const read = (name: string) => {
    const value = param(query, name);
    if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.join(",");
    return text(value);
  };
  return { attributes: read("attributes"), excludedAttributes: read("excludedAttributes") };
}
