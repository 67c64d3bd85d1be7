import { ScimError } from "../errors/scim-error.js";
import { isJsonObject, type JsonObject } from "../internal/json.js";
import type { AttributeDefinition } from "./definitions.js";
import { findDefinition } from "./resolve-attribute.js";

/** Collects the attribute paths of a request that Cosafe accepts but does not store. */
export class IgnoredAttributes {
  private readonly paths = new Set<string>();

  add(path: string): void {
    this.paths.add(path);
  }

  list(): string[] {
    return [...this.paths];
  }
}

const invalid = (path: string, expected: string, value: unknown) =>
  new ScimError(
    400,
    "invalidValue",
    `Attribute '${path}' must be ${expected}, got ${JSON.stringify(value) ?? "undefined"}`,
  );

/** True for `null` and `""`: the values that mean "unassigned" (Entra sends both to clear). */
export function isUnassigned(value: unknown): boolean {
  return value === null || value === "";
}

/**
 * Checks and normalises one value of a single-valued attribute (or one element of a multi-valued one):
 * case-insensitive `"true"`/`"false"` strings become booleans (Entra), sub-attribute names become canonical,
 * a single-valued complex value wrapped in a one-element array is unwrapped (Entra's `manager`), and
 * sub-attributes Cosafe does not store are dropped and reported. Returns `undefined` for "unassigned".
 *
 * @throws ScimError 400 `invalidValue` on a type mismatch.
 */
export function coerceSingle(
  definition: AttributeDefinition,
  value: unknown,
  path: string,
  ignored: IgnoredAttributes,
): unknown {
  if (value === undefined || isUnassigned(value)) return undefined;
  switch (definition.type) {
    case "boolean":
      if (typeof value === "boolean") return value;
      if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
      throw invalid(path, "a boolean", value);
    case "integer":
      if (typeof value === "number" && Number.isInteger(value)) return value;
      throw invalid(path, "an integer", value);
    case "decimal":
      if (typeof value === "number") return value;
      throw invalid(path, "a number", value);
    case "complex":
      return coerceComplex(definition, value, path, ignored);
    default:
      if (typeof value === "string") return value;
      throw invalid(path, "a string", value);
  }
}

function coerceComplex(
  definition: AttributeDefinition,
  value: unknown,
  path: string,
  ignored: IgnoredAttributes,
) {
  const object = Array.isArray(value) && value.length === 1 && !definition.multiValued ? value[0] : value;
  if (!isJsonObject(object)) throw invalid(path, "an object", value);
  const result: JsonObject = {};
  for (const [key, item] of Object.entries(object)) {
    const sub = findDefinition(definition.subAttributes, key);
    if (sub?.mutability === "readOnly") continue;
    if (sub === undefined || !sub.stored) {
      ignored.add(`${path}.${sub?.name ?? key}`);
      continue;
    }
    const coerced = coerceSingle(sub, item, `${path}.${sub.name}`, ignored);
    if (coerced !== undefined) result[sub.name] = coerced;
  }
  return Object.keys(result).length === 0 ? undefined : result;
}

/**
 * Checks and normalises the whole value of an attribute: an array for multi-valued attributes (at most one
 * `primary: true`), otherwise as {@link coerceSingle}. `null`, `""` and `[]` give `undefined` (unassigned).
 */
export function coerceValue(
  definition: AttributeDefinition,
  value: unknown,
  path: string,
  ignored: IgnoredAttributes,
): unknown {
  if (!definition.multiValued) return coerceSingle(definition, value, path, ignored);
  if (isUnassigned(value)) return undefined;
  if (!Array.isArray(value)) throw invalid(path, "an array", value);
  const items = value
    .map((item) => coerceSingle(definition, item, path, ignored))
    .filter((item) => item !== undefined);
  checkPrimary(items, path);
  return items.length === 0 ? undefined : items;
}

/** RFC 7643 §2.4: `primary: true` appears at most once among the values of a multi-valued attribute. */
export function checkPrimary(items: readonly unknown[], path: string): void {
  if (items.filter((item) => isJsonObject(item) && item.primary === true).length > 1) {
    throw new ScimError(400, "invalidValue", `Attribute '${path}' has more than one primary value`);
  }
}
