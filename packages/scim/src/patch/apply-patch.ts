import { ScimError } from "../errors/scim-error.js";
import { matchesFilter } from "../filter/evaluate-filter.js";
import { cloneJson, findKey, isJsonObject, type JsonObject, jsonEqual } from "../internal/json.js";
import { printAttributeRef } from "../path/attribute-path.js";
import { coerceSingle, coerceValue, IgnoredAttributes, isUnassigned } from "../schema/coerce-value.js";
import type { AttributeDefinition, ResourceTypeDefinition } from "../schema/definitions.js";
import {
  canonicalName,
  findDefinition,
  findExtension,
  resolveAttribute,
} from "../schema/resolve-attribute.js";
import {
  expandTargets,
  type PatchOpName,
  type PatchTarget,
  parsePatchOperations,
} from "./patch-operation.js";
import { valueTemplate } from "./value-template.js";

export interface PatchResult {
  /** The patched resource: a new object; the input is never modified. */
  resource: JsonObject;
  /** Top-level attributes whose value changed (canonical names), e.g. for an update mask. Empty: no change. */
  touched: string[];
  /** Attribute paths the request wrote that Cosafe does not store (R2, R20). */
  ignoredAttributes: string[];
}

/**
 * Applies a PATCH request (RFC 7644 §3.5.2) to a resource and returns the new resource. Pure: the input
 * is deep-copied, never mutated. Operations apply in order; the first error aborts the whole request
 * (nothing is returned, so nothing half-applied can leak). See the package README for the exact rules
 * and the IdP dialects accepted.
 *
 * @param resource the current resource, with canonical attribute names
 * @param request the PATCH body (`{schemas, Operations}`) or its `Operations` array, as received
 * @throws ScimError 400 with `invalidSyntax`, `invalidPath`, `invalidValue`, `invalidFilter`, `noTarget`
 *   or `mutability`.
 */
export function applyPatch(
  resource: JsonObject,
  request: unknown,
  type: ResourceTypeDefinition,
): PatchResult {
  if (!isJsonObject(resource))
    throw new ScimError(400, "invalidSyntax", `A ${type.name} must be a JSON object`);
  const operations = parsePatchOperations(request);
  const result = cloneJson(resource);
  const ignored = new IgnoredAttributes();
  for (const operation of operations) {
    for (const target of expandTargets(operation, (key) => findExtension(type, key)?.id)) {
      if (target.path === undefined) ignored.add(target.text);
      else applyTarget(result, operation.op, target, type, ignored);
    }
  }
  const touched = new Set<string>();
  for (const key of new Set([...Object.keys(resource), ...Object.keys(result)])) {
    if (!jsonEqual(resource[key], result[key])) touched.add(key);
  }
  return { resource: result, touched: [...touched], ignoredAttributes: ignored.list() };
}

function get(object: JsonObject, name: string): unknown {
  const key = findKey(object, name);
  return key === undefined ? undefined : object[key];
}

/** Sets `object[name]` under its canonical name; `undefined` (or an empty array/object) deletes it. */
function put(object: JsonObject, name: string, value: unknown): void {
  const key = findKey(object, name);
  if (key !== undefined) delete object[key];
  const empty = (Array.isArray(value) || isJsonObject(value)) && Object.keys(value).length === 0;
  if (value !== undefined && !empty) object[name] = value;
}

function mutability(detail: string): ScimError {
  return new ScimError(400, "mutability", detail);
}

/** Sub-attributes a raw complex value explicitly clears with `null` or `""`. */
function clearedSubAttributes(definition: AttributeDefinition, raw: unknown): string[] {
  if (!isJsonObject(raw)) return [];
  return Object.entries(raw)
    .filter(([, value]) => isUnassigned(value))
    .flatMap(([key]) => findDefinition(definition.subAttributes, key)?.name ?? []);
}

function applyTarget(
  resource: JsonObject,
  op: PatchOpName,
  target: PatchTarget,
  type: ResourceTypeDefinition,
  ignored: IgnoredAttributes,
): void {
  const { path, value } = target;
  const resolved = resolveAttribute(type, path);
  if (resolved === undefined) {
    ignored.add(target.fromValueKey ? target.text : printAttributeRef(path));
    return;
  }
  const { definition, sub } = resolved;
  const name = canonicalName(resolved);
  if (definition.mutability === "readOnly" || sub?.mutability === "readOnly") {
    // Okta repeats the resource's own `id` in path-less replaces; clients echo `meta`. Both are harmless.
    const echo = target.fromValueKey && (definition.name !== "id" || value === resource.id);
    if (echo) return;
    throw mutability(`Attribute '${name}' is readOnly`);
  }
  if (!definition.stored || sub?.stored === false) {
    ignored.add(name);
    return;
  }
  if (path.filter !== undefined && !definition.multiValued) {
    throw new ScimError(
      400,
      "invalidPath",
      `Attribute '${definition.name}' is not multi-valued; a value filter cannot apply`,
    );
  }
  const clear = () => {
    if (definition.required) {
      throw op === "remove"
        ? mutability(`Attribute '${name}' is required and cannot be removed`)
        : new ScimError(400, "invalidValue", `Attribute '${name}' is required and cannot be cleared`);
    }
    put(resource, definition.name, undefined);
  };
  if (definition.multiValued) {
    applyMultiValued(resource, op, target, definition, sub, ignored, clear);
    return;
  }
  const current = get(resource, definition.name);
  if (sub !== undefined) {
    const next = isJsonObject(current) ? { ...current } : {};
    put(next, sub.name, op === "remove" ? undefined : coerceSingle(sub, value, name, ignored));
    put(resource, definition.name, next);
    return;
  }
  if (op === "remove") {
    // `{"op":"remove","path":"name","value":{"givenName":…}}` removes just the listed sub-attributes.
    if (definition.type === "complex" && isJsonObject(value) && isJsonObject(current)) {
      const next = { ...current };
      for (const key of Object.keys(value))
        put(next, findDefinition(definition.subAttributes, key)?.name ?? key, undefined);
      put(resource, definition.name, next);
      return;
    }
    clear();
    return;
  }
  const coerced = coerceValue(definition, value, name, ignored);
  if (definition.type !== "complex") {
    if (coerced === undefined) clear();
    else put(resource, definition.name, coerced);
    return;
  }
  if (coerced === undefined && isUnassigned(value)) {
    clear();
    return;
  }
  const next: JsonObject = isJsonObject(current) ? { ...current } : {};
  for (const cleared of clearedSubAttributes(definition, value)) put(next, cleared, undefined);
  for (const [key, item] of Object.entries((coerced ?? {}) as JsonObject)) put(next, key, item);
  put(resource, definition.name, next);
}

function applyMultiValued(
  resource: JsonObject,
  op: PatchOpName,
  target: PatchTarget,
  definition: AttributeDefinition,
  sub: AttributeDefinition | undefined,
  ignored: IgnoredAttributes,
  clear: () => void,
): void {
  const { path, value } = target;
  const name = definition.name;
  const current = get(resource, name);
  const items: JsonObject[] = (Array.isArray(current) ? current : [])
    .filter(isJsonObject)
    .map((item) => ({ ...item }));
  const promoted = new Set<JsonObject>();
  const save = () => {
    for (const item of promoted) {
      if (item.primary !== true) continue;
      for (const other of items) if (other !== item && other.primary === true) other.primary = false;
    }
    put(resource, name, items);
  };
  const setSub = (item: JsonObject, subDefinition: AttributeDefinition, raw: unknown): boolean => {
    const coerced = coerceSingle(subDefinition, raw, `${name}.${subDefinition.name}`, ignored);
    const existing = item[subDefinition.name];
    if (subDefinition.mutability === "immutable" && existing !== undefined && !jsonEqual(existing, coerced)) {
      throw mutability(`Attribute '${name}.${subDefinition.name}' is immutable`);
    }
    if (coerced === undefined) delete item[subDefinition.name];
    else item[subDefinition.name] = coerced;
    if (coerced === true && subDefinition.name === "primary") promoted.add(item);
    // An entry whose value is cleared is gone (an email without an address means nothing).
    return subDefinition.name === "value" && coerced === undefined;
  };

  if (path.filter === undefined && sub === undefined) {
    if (op === "remove") {
      if (value === undefined) {
        clear();
        return;
      }
      // Entra: {"op":"Remove","path":"members","value":[{"value":"id"}]} removes only the listed values.
      const selectors = Array.isArray(value) ? value : [value];
      const kept = items.filter(
        (item) => !selectors.some((selector) => selects(selector, item, definition, ignored)),
      );
      put(resource, name, kept);
      return;
    }
    const incoming = coerceValue(definition, isJsonObject(value) ? [value] : value, name, ignored) as
      | JsonObject[]
      | undefined;
    if (op === "replace") {
      if (incoming === undefined) clear();
      else put(resource, name, incoming);
      return;
    }
    for (const item of incoming ?? []) {
      if (items.some((existing) => sameValue(existing, item, definition))) continue;
      items.push(item);
      promoted.add(item);
    }
    save();
    return;
  }

  if (path.filter === undefined) {
    const subDefinition = sub as AttributeDefinition;
    if (items.length === 0 && op !== "remove") items.push({});
    const removed = items.filter((item) =>
      op === "remove" ? setSub(item, subDefinition, undefined) : setSub(item, subDefinition, value),
    );
    items.splice(
      0,
      items.length,
      ...items.filter((item) => !removed.includes(item) && Object.keys(item).length > 0),
    );
    save();
    return;
  }

  const filter = path.filter;
  const subDefinitions = definition.subAttributes ?? [];
  const matching = items.filter((item) => matchesFilter(filter, item, subDefinitions));
  if (matching.length === 0) {
    if (op === "remove") return;
    const template = valueTemplate(filter, definition);
    if (template === undefined) {
      throw new ScimError(
        400,
        "noTarget",
        `No value of '${name}' matches the filter of path '${target.text}'`,
      );
    }
    if (isUnassigned(value)) return;
    const item: JsonObject = { ...template };
    items.push(item);
    matching.push(item);
  }
  const dropped = new Set<JsonObject>();
  for (const item of matching) {
    if (sub !== undefined) {
      if (setSub(item, sub, op === "remove" ? undefined : value)) dropped.add(item);
      continue;
    }
    if (op === "remove" || isUnassigned(value)) {
      dropped.add(item);
      continue;
    }
    const coerced = coerceSingle(definition, value, name, ignored) as JsonObject | undefined;
    for (const cleared of clearedSubAttributes(definition, value)) {
      const subDefinition = findDefinition(subDefinitions, cleared) as AttributeDefinition;
      if (setSub(item, subDefinition, undefined)) dropped.add(item);
    }
    for (const [key, raw] of Object.entries(coerced ?? {})) {
      setSub(item, findDefinition(subDefinitions, key) as AttributeDefinition, raw);
    }
  }
  items.splice(0, items.length, ...items.filter((item) => !dropped.has(item)));
  save();
}

/** Identity of a value for `add`: members by `value` (an id), other attributes by whole value. */
function sameValue(a: JsonObject, b: JsonObject, definition: AttributeDefinition): boolean {
  const value = findDefinition(definition.subAttributes, "value");
  if (value?.mutability === "immutable") return a.value === b.value;
  return jsonEqual(a, b);
}

/**
 * Whether a removal selector (one element of a `remove` value array) selects `item`: every non-null
 * sub-attribute it names must be equal (case per `caseExact`). A selector naming nothing selects nothing.
 */
function selects(
  selector: unknown,
  item: JsonObject,
  definition: AttributeDefinition,
  ignored: IgnoredAttributes,
): boolean {
  if (!isJsonObject(selector)) {
    throw new ScimError(400, "invalidValue", `Values to remove from '${definition.name}' must be objects`);
  }
  let named = 0;
  for (const [key, raw] of Object.entries(selector)) {
    const sub = findDefinition(definition.subAttributes, key);
    if (sub === undefined || raw === null || raw === undefined) continue;
    named += 1;
    const wanted = coerceSingle(sub, raw, `${definition.name}.${sub.name}`, ignored);
    const actual = item[sub.name];
    const equal =
      typeof wanted === "string" && typeof actual === "string" && !sub.caseExact
        ? wanted.toLowerCase() === actual.toLowerCase()
        : jsonEqual(wanted, actual);
    if (!equal) return false;
  }
  return named > 0;
}
