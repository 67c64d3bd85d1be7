import { ScimError } from "../errors/scim-error.js";
import { isJsonObject, type JsonObject } from "../internal/json.js";
import { type ProjectionRef, parseAttributeList } from "../path/parse-attribute-list.js";
import type { AttributeDefinition, ResourceTypeDefinition } from "../schema/definitions.js";
import { findDefinition, findExtension } from "../schema/resolve-attribute.js";

/** The `attributes` / `excludedAttributes` request parameters (RFC 7644 §3.4.2.5), as received. */
export interface ProjectionParams {
  attributes?: string | readonly string[] | undefined;
  excludedAttributes?: string | readonly string[] | undefined;
}

type Mode = "default" | "include" | "exclude";

/** Selected attributes, keyed by lower-case `schema|attribute`. */
interface Selection {
  mode: Mode;
  wholeSchemas: Set<string>;
  attributes: Map<string, { whole: boolean; subs: Set<string> }>;
}

const slot = (schema: string, attribute: string) => `${schema.toLowerCase()}|${attribute.toLowerCase()}`;

function isBlank(value: ProjectionParams["attributes"]): boolean {
  return (
    value === undefined ||
    (typeof value === "string" ? value.trim() === "" : value.every((v) => v.trim() === ""))
  );
}

/** Whether the request names no attributes either way: every resource shows its default attributes. */
export function isDefaultProjection(params: ProjectionParams): boolean {
  return isBlank(params.attributes) && isBlank(params.excludedAttributes);
}

/** No attributes named either way; shared, never changed. */
const defaultSelection: Selection = { mode: "default", wholeSchemas: new Set(), attributes: new Map() };

function select(type: ResourceTypeDefinition, params: ProjectionParams): Selection {
  const include = !isBlank(params.attributes);
  const exclude = !isBlank(params.excludedAttributes);
  if (include && exclude) {
    throw new ScimError(
      400,
      "invalidSyntax",
      "'attributes' and 'excludedAttributes' cannot be used together",
    );
  }
  if (!include && !exclude) return defaultSelection;
  const mode: Mode = include ? "include" : "exclude";
  const selection: Selection = { mode, wholeSchemas: new Set(), attributes: new Map() };
  const refs: ProjectionRef[] = parseAttributeList(
    (include ? params.attributes : params.excludedAttributes) ?? [],
  );
  for (const ref of refs) {
    if (!("attribute" in ref)) {
      selection.wholeSchemas.add(ref.schema.toLowerCase());
      continue;
    }
    const schema = ref.schema ?? type.schema.id;
    const key = slot(findExtension(type, schema) === undefined ? type.schema.id : schema, ref.attribute);
    const entry = selection.attributes.get(key) ?? { whole: false, subs: new Set<string>() };
    if (ref.subAttribute === undefined) entry.whole = true;
    else entry.subs.add(ref.subAttribute.toLowerCase());
    selection.attributes.set(key, entry);
  }
  return selection;
}

/**
 * Keeps the sub-attributes of a complex value (or of each value of a multi-valued one) that `keep`
 * accepts. The decision depends only on the sub-attribute's name, so it is made once per name:
 * a group's 10,000 members cost 10,000 name checks, not 40,000 schema look-ups. A value that
 * keeps every sub-attribute is returned as it is, not copied (nor a list of such values).
 */
function pruneSubs(
  value: unknown,
  definition: AttributeDefinition | undefined,
  keep: (sub: AttributeDefinition | undefined, name: string) => boolean,
): unknown {
  const decided = new Map<string, boolean>();
  const kept = (name: string) => {
    let decision = decided.get(name);
    if (decision === undefined) {
      decision = keep(findDefinition(definition?.subAttributes, name), name);
      decided.set(name, decision);
    }
    return decision;
  };
  const prune = (item: unknown): unknown => {
    if (!isJsonObject(item)) return item;
    let whole = true;
    for (const name in item) {
      if (Object.hasOwn(item, name) && !kept(name)) {
        whole = false;
        break;
      }
    }
    if (whole) return item;
    const result: JsonObject = {};
    for (const name of Object.keys(item)) if (kept(name)) result[name] = item[name];
    return result;
  };
  if (!Array.isArray(value)) return prune(value);
  let pruned: unknown[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    const out = prune(item);
    if (out !== item) pruned ??= value.slice(0, i);
    pruned?.push(out);
  }
  return pruned ?? value;
}

const returnedOf = (definition: AttributeDefinition | undefined) => definition?.returned ?? "default";

function projectAttribute(
  value: unknown,
  definition: AttributeDefinition | undefined,
  selection: Selection,
  entry: { whole: boolean; subs: Set<string> } | undefined,
  wholeSchema: boolean,
): unknown {
  const returned = returnedOf(definition);
  if (returned === "never") return undefined;
  const byDefault = (sub: AttributeDefinition | undefined) => {
    const subReturned = returnedOf(sub);
    return subReturned === "always" || subReturned === "default";
  };
  const listed = (sub: AttributeDefinition | undefined, name: string) =>
    entry?.subs.has((sub?.name ?? name).toLowerCase()) === true;
  if (returned === "always")
    return pruneSubs(value, definition, (sub, name) => byDefault(sub) || listed(sub, name));
  switch (selection.mode) {
    case "include":
      if (wholeSchema || entry?.whole === true) {
        return pruneSubs(value, definition, (sub, name) => byDefault(sub) || listed(sub, name));
      }
      if (entry === undefined) return undefined;
      return pruneSubs(value, definition, (sub, name) => returnedOf(sub) === "always" || listed(sub, name));
    case "exclude":
      if (wholeSchema || entry?.whole === true || returned === "request") return undefined;
      return pruneSubs(
        value,
        definition,
        (sub, name) => returnedOf(sub) === "always" || (byDefault(sub) && !listed(sub, name)),
      );
    default:
      if (returned === "request") return undefined;
      return pruneSubs(value, definition, (sub) => byDefault(sub));
  }
}

/** Per resource type, attribute names (as the resource spells them) that the default projection keeps whole. */
const keptWhole = new WeakMap<ResourceTypeDefinition, Map<string, boolean>>();
/** Names remembered per type; a resource of many unusual names is still projected, just not memoised. */
const maxRememberedNames = 256;

/**
 * Whether the default projection returns this attribute exactly as it is (when not empty): a
 * common or core attribute returned by default or always whose sub-attributes all are too, or
 * one the schema does not know. Extensions and anything returned only on request or never go
 * the full way.
 */
function keptWholeByDefault(type: ResourceTypeDefinition, key: string): boolean {
  let names = keptWhole.get(type);
  if (names === undefined) {
    names = new Map();
    keptWhole.set(type, names);
  }
  let decision = names.get(key);
  if (decision !== undefined) return decision;
  const definition = findDefinition(type.common, key) ?? findDefinition(type.schema.attributes, key);
  const byDefault = (d: AttributeDefinition | undefined) => {
    const returned = returnedOf(d);
    return returned === "default" || returned === "always";
  };
  decision =
    findExtension(type, key) === undefined &&
    byDefault(definition) &&
    (definition?.subAttributes ?? []).every((sub) => byDefault(sub));
  if (names.size < maxRememberedNames) names.set(key, decision);
  return decision;
}

function isEmpty(value: unknown): boolean {
  return (
    value === undefined ||
    (Array.isArray(value) && value.length === 0) ||
    (isJsonObject(value) && Object.keys(value).length === 0)
  );
}

/**
 * Applies `attributes` / `excludedAttributes` to a resource (RFC 7644 §3.4.2.5, §3.9), honouring each
 * attribute's `returned`: `always` attributes (`id`) are always kept, `never` ones always dropped,
 * `request` ones only kept when named in `attributes`. Names are case-insensitive, may be
 * URN-prefixed, may name a sub-attribute (`name.givenName`) or a whole extension (its URN).
 * Attributes the schema does not know are treated as `returned: default`. `schemas` is always kept.
 *
 * @throws ScimError 400 `invalidPath` for a malformed name, `invalidSyntax` when both parameters are given.
 */
export function projectResource(
  resource: JsonObject,
  type: ResourceTypeDefinition,
  params: ProjectionParams = {},
): JsonObject {
  const selection = select(type, params);
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(resource)) {
    if (key.toLowerCase() === "schemas") {
      result[key] = value;
      continue;
    }
    if (selection.mode === "default" && keptWholeByDefault(type, key)) {
      if (!isEmpty(value)) result[key] = value;
      continue;
    }
    const extension = findExtension(type, key);
    const projected =
      extension === undefined
        ? projectAttribute(
            value,
            findDefinition(type.common, key) ?? findDefinition(type.schema.attributes, key),
            selection,
            selection.attributes.get(slot(type.schema.id, key)),
            false,
          )
        : projectExtension(value, extension.id, extension.attributes, selection);
    if (!isEmpty(projected)) result[key] = projected;
  }
  return result;
}

function projectExtension(
  value: unknown,
  schema: string,
  attributes: readonly AttributeDefinition[],
  selection: Selection,
): unknown {
  if (!isJsonObject(value)) return value;
  const whole = selection.wholeSchemas.has(schema.toLowerCase());
  const result: JsonObject = {};
  for (const [name, item] of Object.entries(value)) {
    const projected = projectAttribute(
      item,
      findDefinition(attributes, name),
      selection,
      selection.attributes.get(slot(schema, name)),
      whole,
    );
    if (!isEmpty(projected)) result[name] = projected;
  }
  return result;
}

/** Remembered answers per resource type; the parameters come from requests, hence the cap. */
const requestedAnswers = new WeakMap<ResourceTypeDefinition, Map<string, boolean>>();
const maxRequestedAnswers = 256;

/**
 * Whether a projection returns any part of a top-level core attribute, so that the caller can avoid
 * loading it: `isAttributeRequested(GROUP_RESOURCE_TYPE, "members", { excludedAttributes: "members" })`
 * is `false` (R25: Entra's group queries never need the members).
 */
export function isAttributeRequested(
  type: ResourceTypeDefinition,
  attribute: string,
  params: ProjectionParams = {},
): boolean {
  // Asked on every read with the same few parameter sets (none, Entra's excludedAttributes=members).
  let known = requestedAnswers.get(type);
  if (!known) {
    known = new Map();
    requestedAnswers.set(type, known);
  }
  const key = JSON.stringify([attribute, params.attributes ?? null, params.excludedAttributes ?? null]);
  const cached = known.get(key);
  if (cached !== undefined) return cached;
  const answer = attributeRequested(type, attribute, params);
  if (known.size < maxRequestedAnswers) known.set(key, answer);
  return answer;
}

function attributeRequested(
  type: ResourceTypeDefinition,
  attribute: string,
  params: ProjectionParams,
): boolean {
  const definition =
    findDefinition(type.common, attribute) ?? findDefinition(type.schema.attributes, attribute);
  const complex = Object.fromEntries((definition?.subAttributes ?? []).map((sub) => [sub.name, "x"]));
  const probe = definition?.type !== "complex" ? "x" : definition.multiValued ? [complex] : complex;
  const selection = select(type, params);
  return !isEmpty(
    projectAttribute(
      probe,
      definition,
      selection,
      selection.attributes.get(slot(type.schema.id, attribute)),
      false,
    ),
  );
}
