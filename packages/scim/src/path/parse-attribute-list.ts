import { KNOWN_SCHEMA_URNS } from "../schema/urns.js";
import type { AttributeRef } from "./attribute-path.js";
import { parsePath } from "./parse-path.js";

/** A whole schema named by its URN, e.g. the enterprise extension in `excludedAttributes`. */
export interface SchemaRef {
  schema: string;
}

/** One entry of `attributes` / `excludedAttributes`. */
export type ProjectionRef = AttributeRef | SchemaRef;

/**
 * Parses the `attributes` / `excludedAttributes` parameter (RFC 7644 §3.4.2.5): a comma-separated
 * string or an array of strings (the SearchRequest form). Blank entries are skipped. A bare known schema
 * URN names the whole extension.
 *
 * @throws ScimError 400 `invalidPath`.
 */
export function parseAttributeList(value: string | readonly string[]): ProjectionRef[] {
  const items = typeof value === "string" ? value.split(",") : value.flatMap((item) => item.split(","));
  const refs: ProjectionRef[] = [];
  for (const raw of items) {
    const item = raw.trim();
    if (item === "") continue;
    const urn = KNOWN_SCHEMA_URNS.find((known) => known.toLowerCase() === item.toLowerCase());
    if (urn !== undefined) {
      refs.push({ schema: urn });
      continue;
    }
    const { schema, attribute, subAttribute } = parsePath(item, { allowFilter: false });
    const ref: AttributeRef = { attribute };
    if (schema !== undefined) ref.schema = schema;
    if (subAttribute !== undefined) ref.subAttribute = subAttribute;
    refs.push(ref);
  }
  return refs;
}

/** Parses `sortBy` (RFC 7644 §3.4.2.3): one attribute path without a value filter. */
export function parseSortBy(value: string): AttributeRef {
  return parsePath(value, { allowFilter: false });
}
