import { ScimError } from "../errors/scim-error.js";
import { isJsonObject, type JsonObject } from "../internal/json.js";
import { splitAttributeRef } from "../path/attribute-path.js";
import { coerceSingle, coerceValue, IgnoredAttributes, isUnassigned } from "./coerce-value.js";
import type { ResourceTypeDefinition } from "./definitions.js";
import {
  canonicalName,
  findDefinition,
  findExtension,
  type ResolvedAttribute,
  resolveAttribute,
} from "./resolve-attribute.js";

export interface ValidatedResource {
  /** The attributes Cosafe stores, with canonical names and coerced values, plus `schemas`. */
  resource: JsonObject;
  /** Every attribute path of the request that Cosafe accepted but does not store (R2, R20). */
  ignoredAttributes: string[];
}

/** One top-level entry of a request body, resolved against the resource type. */
interface Entry {
  key: string;
  resolved: ResolvedAttribute | undefined;
  value: unknown;
}

/**
 * Walks the top-level keys of a resource body: `schemas` is skipped; an extension URN key
 * (`"urn:…:enterprise:2.0:User": {…}`) contributes its attributes; any other key is an attribute
 * reference (`userName`, `name.givenName`, `urn:…:User:department`), matched case-insensitively.
 */
export function resourceEntries(body: JsonObject, type: ResourceTypeDefinition): Entry[] {
  const entries: Entry[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (key.toLowerCase() === "schemas") continue;
    const extension = findExtension(type, key);
    if (extension !== undefined) {
      if (!isJsonObject(value)) {
        if (value !== null) entries.push({ key, resolved: undefined, value });
        continue;
      }
      for (const [name, item] of Object.entries(value)) {
        const resolved = resolveAttribute(type, { schema: extension.id, attribute: name });
        entries.push({ key: `${extension.id}:${name}`, resolved, value: item });
      }
      continue;
    }
    const ref = splitAttributeRef(key);
    entries.push({ key, resolved: typeof ref === "string" ? undefined : resolveAttribute(type, ref), value });
  }
  return entries;
}

/** `null`, `""` and `[]` set nothing, so they are never reported as ignored (Entra always sends `roles: []`). */
function carriesNothing(value: unknown): boolean {
  return isUnassigned(value) || (Array.isArray(value) && value.length === 0);
}

/**
 * Validates a resource sent with POST or PUT (RFC 7644 §3.3, §3.5.1) and keeps what Cosafe stores:
 * readOnly attributes (`id`, `meta`, `groups`) and unknown schema URIs are ignored, unknown and
 * unstored attributes are dropped and listed in `ignoredAttributes`, `null`/`""` mean unassigned,
 * string booleans are accepted. Required attributes (`userName`) must be present.
 *
 * @throws ScimError 400 `invalidSyntax` when the body is not an object, 400 `invalidValue` on a
 *   missing required attribute or a value of the wrong type.
 */
export function validateResource(body: unknown, type: ResourceTypeDefinition): ValidatedResource {
  if (!isJsonObject(body)) throw new ScimError(400, "invalidSyntax", `A ${type.name} must be a JSON object`);
  const ignored = new IgnoredAttributes();
  const resource: JsonObject = { schemas: [type.schema.id] };
  for (const { key, resolved, value } of resourceEntries(body, type)) {
    if (carriesNothing(value)) continue;
    if (resolved === undefined) {
      ignored.add(key);
      continue;
    }
    const { definition, sub } = resolved;
    if (definition.mutability === "readOnly" || sub?.mutability === "readOnly") continue;
    if (!definition.stored || sub?.stored === false || (sub !== undefined && definition.multiValued)) {
      ignored.add(canonicalName(resolved));
      continue;
    }
    const name = canonicalName(resolved);
    if (sub === undefined) {
      const coerced = coerceValue(definition, value, name, ignored);
      if (coerced === undefined) delete resource[definition.name];
      else resource[definition.name] = coerced;
      continue;
    }
    const coerced = coerceSingle(sub, value, name, ignored);
    const parent = isJsonObject(resource[definition.name]) ? (resource[definition.name] as JsonObject) : {};
    if (coerced === undefined) delete parent[sub.name];
    else parent[sub.name] = coerced;
    if (Object.keys(parent).length > 0) resource[definition.name] = parent;
  }
  for (const definition of type.schema.attributes) {
    if (definition.required && resource[definition.name] === undefined) {
      throw new ScimError(400, "invalidValue", `Attribute '${definition.name}' is required`);
    }
  }
  return { resource, ignoredAttributes: ignored.list() };
}

/**
 * Lists the attribute paths of a request body that Cosafe accepts but does not store, without
 * validating values: unknown attributes as sent, known ones canonically (`addresses`, `name.middleName`,
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`). readOnly attributes are
 * server-owned and not listed.
 */
export function listIgnoredAttributes(body: unknown, type: ResourceTypeDefinition): string[] {
  if (!isJsonObject(body)) return [];
  const ignored = new IgnoredAttributes();
  for (const { key, resolved, value } of resourceEntries(body, type)) {
    if (carriesNothing(value)) continue;
    if (resolved === undefined) {
      ignored.add(key);
      continue;
    }
    const { definition, sub } = resolved;
    if (definition.mutability === "readOnly" || sub?.mutability === "readOnly") continue;
    if (!definition.stored || sub?.stored === false || (sub !== undefined && definition.multiValued)) {
      ignored.add(canonicalName(resolved));
      continue;
    }
    if (sub !== undefined || definition.type !== "complex") continue;
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      if (!isJsonObject(item)) continue;
      for (const key of Object.keys(item)) {
        const subDefinition = findDefinition(definition.subAttributes, key);
        if (subDefinition?.stored !== true) ignored.add(`${definition.name}.${subDefinition?.name ?? key}`);
      }
    }
  }
  return ignored.list();
}
