import { KNOWN_SCHEMA_URNS } from "../schema/urns.js";

/**
 * A reference to an attribute: optional schema URN, attribute name and optional sub-attribute,
 * e.g. `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
 * Names keep the case they were written in (matching is case-insensitive); a known schema URN is
 * stored in its canonical spelling. Absent parts are absent keys, never `undefined` values.
 */
export interface AttributeRef {
  schema?: string;
  attribute: string;
  subAttribute?: string;
}

const ATTRIBUTE_NAME = /^(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$/;

/** True when `name` is a valid RFC 7644 ATTRNAME (plus `$ref`, which the core schemas use). */
export function isAttributeName(name: string): boolean {
  return ATTRIBUTE_NAME.test(name);
}

/**
 * Splits a path word such as `name.givenName` or `urn:…:User:userName` into an {@link AttributeRef}.
 * Returns a reason string when the word is not an attribute path.
 */
export function splitAttributeRef(word: string): AttributeRef | string {
  let schema: string | undefined;
  let rest = word;
  if (/^urn:/i.test(word)) {
    const lower = word.toLowerCase();
    const known = KNOWN_SCHEMA_URNS.find(
      (urn) => lower.startsWith(urn.toLowerCase()) && (word[urn.length] === ":" || word[urn.length] === "."),
    );
    if (known !== undefined) {
      schema = known;
      rest = word.slice(known.length + 1);
    } else {
      const colon = word.lastIndexOf(":");
      schema = word.slice(0, colon);
      rest = word.slice(colon + 1);
      if (!/^urn:[A-Za-z0-9][A-Za-z0-9-]*:\S+$/i.test(schema)) return `"${schema}" is not a schema URN`;
    }
  }
  const parts = rest.split(".");
  if (parts.length > 2) return `"${word}" has more than one sub-attribute level`;
  const [attribute = "", subAttribute] = parts;
  if (!isAttributeName(attribute)) return `"${attribute}" is not a valid attribute name`;
  if (subAttribute !== undefined && !isAttributeName(subAttribute)) {
    return `"${subAttribute}" is not a valid sub-attribute name`;
  }
  const ref: AttributeRef = { attribute };
  if (schema !== undefined) ref.schema = schema;
  if (subAttribute !== undefined) ref.subAttribute = subAttribute;
  return ref;
}

/** Prints an {@link AttributeRef} in canonical form (`schema:attribute.subAttribute`). */
export function printAttributeRef(ref: AttributeRef): string {
  const prefix = ref.schema === undefined ? "" : `${ref.schema}:`;
  const suffix = ref.subAttribute === undefined ? "" : `.${ref.subAttribute}`;
  return `${prefix}${ref.attribute}${suffix}`;
}
