import { ScimError } from "@cosafe/scim";
import { requestLimits } from "../limits.js";

export const BULK_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
export const BULK_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

export type BulkMethod = "POST" | "PUT" | "PATCH" | "DELETE";

/** One operation of a BulkRequest (RFC 7644 §3.7), as sent; `error` when it cannot run at all. */
export interface BulkOperation {
  /** Position in the request, from 0. */
  index: number;
  /** Upper-cased; the raw value (cut) when it is not one of the four. */
  method: string;
  bulkId: string | undefined;
  version: string | undefined;
  path: string;
  data: unknown;
  /** The bulkIds its path and data reference (`bulkId:<id>`), each once. */
  references: string[];
  /** Why the operation is refused before it runs (400). */
  error?: ScimError;
}

export interface BulkRequest {
  /** Errors accepted before the rest is skipped (RFC 7644 §3.7.3); undefined: no limit. */
  failOnErrors: number | undefined;
  operations: BulkOperation[];
}

const methods = new Set<string>(["POST", "PUT", "PATCH", "DELETE"]);
const referencePattern = /^bulkId:(.+)$/;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Case-insensitive attribute lookup (RFC 7643 §2.1: attribute names are case-insensitive). */
function attribute(object: Json, name: string): unknown {
  const key = Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : object[key];
}

/** The bulkId a string references, if it is `bulkId:<id>`. */
export function referenceIn(text: string): string | undefined {
  return referencePattern.exec(text)?.[1];
}

/** Every `bulkId:<id>` among the strings of a path and a data value, without recursion. */
function referencesOf(path: string, data: unknown): string[] {
  const found = new Set<string>();
  for (const segment of path.split("/")) {
    const id = referenceIn(segment);
    if (id !== undefined) found.add(id);
  }
  const stack: unknown[] = [data];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === "string") {
      const id = referenceIn(value);
      if (id !== undefined) found.add(id);
    } else if (Array.isArray(value)) stack.push(...value);
    else if (isObject(value)) stack.push(...Object.values(value));
  }
  return [...found];
}

/** A copy of `data` with every `bulkId:<id>` string replaced by the id it resolved to. */
export function substitute(data: unknown, resolved: ReadonlyMap<string, string>): unknown {
  if (typeof data === "string") {
    const id = referenceIn(data);
    return id === undefined ? data : (resolved.get(id) ?? data);
  }
  if (Array.isArray(data)) return data.map((item) => substitute(item, resolved));
  if (isObject(data))
    return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, substitute(value, resolved)]));
  return data;
}

function operationOf(raw: unknown, index: number, seenBulkIds: Set<string>): BulkOperation {
  const refuse = (detail: string, base: Partial<BulkOperation> = {}): BulkOperation => ({
    index,
    method: "",
    bulkId: undefined,
    version: undefined,
    path: "",
    data: undefined,
    references: [],
    ...base,
    error: new ScimError(400, "invalidValue", `operation ${index + 1}: ${detail}`),
  });
  if (!isObject(raw)) return refuse("an operation must be a JSON object");
  const method = attribute(raw, "method");
  const bulkId = attribute(raw, "bulkId");
  const version = attribute(raw, "version");
  const path = attribute(raw, "path");
  const data = attribute(raw, "data");
  const base = {
    method: typeof method === "string" ? method.toUpperCase().slice(0, 16) : "",
    bulkId: typeof bulkId === "string" ? bulkId : undefined,
    version: typeof version === "string" ? version : undefined,
    path: typeof path === "string" ? path : "",
  };
  if (!methods.has(base.method)) return refuse("method must be POST, PUT, PATCH or DELETE", base);
  if (typeof path !== "string" || path === "") return refuse("path is required", base);
  if (bulkId !== undefined && (typeof bulkId !== "string" || bulkId === ""))
    return refuse("bulkId must be a non-empty string", base);
  if (version !== undefined && typeof version !== "string")
    return refuse('version must be an entity tag such as W/"3"', base);
  if (base.method === "POST") {
    if (base.bulkId === undefined) return refuse("bulkId is required for POST (RFC 7644 §3.7)", base);
    if (seenBulkIds.has(base.bulkId))
      return refuse(`bulkId ${base.bulkId} is used by an earlier POST of this request`, base);
    seenBulkIds.add(base.bulkId);
  }
  if (base.method !== "DELETE" && !isObject(data))
    return refuse(`data must be a JSON object for ${base.method}`, base);
  return { index, ...base, data, references: referencesOf(base.path, data) };
}

/**
 * Reads a BulkRequest body (RFC 7644 §3.7). A body that is not one is 400 invalidSyntax; more
 * operations than {@link requestLimits.bulk.maxOperations} is 413 (§3.7.4); a malformed single
 * operation only fails that operation.
 */
export function parseBulkRequest(body: unknown): BulkRequest {
  if (!isObject(body)) throw new ScimError(400, "invalidSyntax", "the body must be a BulkRequest object");
  const schemas = attribute(body, "schemas");
  if (!Array.isArray(schemas) || !schemas.includes(BULK_REQUEST_SCHEMA))
    throw new ScimError(400, "invalidSyntax", `schemas must contain ${BULK_REQUEST_SCHEMA}`);
  const operations = attribute(body, "Operations");
  if (!Array.isArray(operations))
    throw new ScimError(400, "invalidSyntax", "Operations must be an array of operations");
  const { maxOperations } = requestLimits.bulk;
  if (operations.length > maxOperations)
    throw new ScimError(
      413,
      undefined,
      `the bulk request has ${operations.length} operations; maxOperations is ${maxOperations}`,
    );
  const failOnErrors = attribute(body, "failOnErrors");
  if (failOnErrors !== undefined && (!Number.isInteger(failOnErrors) || (failOnErrors as number) < 1))
    throw new ScimError(400, "invalidValue", "failOnErrors must be an integer of at least 1");
  const seen = new Set<string>();
  return {
    failOnErrors: failOnErrors as number | undefined,
    operations: operations.map((raw, index) => operationOf(raw, index, seen)),
  };
}
