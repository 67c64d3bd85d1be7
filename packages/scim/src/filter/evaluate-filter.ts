import { findKey, isJsonObject, type JsonObject } from "../internal/json.js";
import type { AttributeRef } from "../path/attribute-path.js";
import type { AttributeDefinition } from "../schema/definitions.js";
import { findDefinition } from "../schema/resolve-attribute.js";
import type { CompareFilter, Filter } from "./ast.js";

interface Target {
  values: unknown[];
  definition: AttributeDefinition | undefined;
}

/** Extension attributes live under their schema URN; core ones (URN-prefixed or not) at the top. */
function containerOf(object: JsonObject, schema: string | undefined): unknown {
  const key = schema === undefined ? undefined : findKey(object, schema);
  return key === undefined ? object : object[key];
}

function lookup(object: JsonObject, ref: AttributeRef, definitions: readonly AttributeDefinition[]): Target {
  const container = containerOf(object, ref.schema);
  if (!isJsonObject(container)) return { values: [], definition: undefined };
  const definition = findDefinition(definitions, ref.attribute);
  const key = findKey(container, ref.attribute);
  const raw = key === undefined ? undefined : container[key];
  let values = (Array.isArray(raw) ? raw : [raw]).filter((value) => value !== undefined && value !== null);
  let target = definition;
  const subName = ref.subAttribute ?? (values.some(isJsonObject) ? "value" : undefined);
  if (subName !== undefined) {
    target = findDefinition(definition?.subAttributes, subName);
    values = values.flatMap((value) => {
      if (!isJsonObject(value)) return [];
      const subKey = findKey(value, subName);
      return subKey === undefined ? [] : [value[subKey]];
    });
  }
  return { values: values.filter((value) => value !== null && value !== ""), definition: target };
}

function compareOne(
  filter: CompareFilter,
  actual: unknown,
  definition: AttributeDefinition | undefined,
): boolean {
  const expected = filter.value;
  if (typeof actual === "string" && typeof expected === "string") {
    const dates = definition?.type === "dateTime" || filter.valueType === "dateTime";
    if (dates && filter.op !== "co" && filter.op !== "sw" && filter.op !== "ew") {
      const [a, b] = [Date.parse(actual), Date.parse(expected)];
      if (!Number.isNaN(a) && !Number.isNaN(b)) return ordered(filter.op, a - b);
    }
    const exact = definition?.caseExact ?? false;
    const [a, b] = exact ? [actual, expected] : [actual.toLowerCase(), expected.toLowerCase()];
    if (filter.op === "co") return a.includes(b);
    if (filter.op === "sw") return a.startsWith(b);
    if (filter.op === "ew") return a.endsWith(b);
    return ordered(filter.op, a < b ? -1 : a > b ? 1 : 0);
  }
  if (typeof actual === "number" && typeof expected === "number")
    return ordered(filter.op, actual - expected);
  if (typeof actual === "boolean" && typeof expected === "boolean") {
    return filter.op === "eq" ? actual === expected : filter.op === "ne" ? actual !== expected : false;
  }
  return filter.op === "ne";
}

function ordered(op: string, difference: number): boolean {
  switch (op) {
    case "eq":
      return difference === 0;
    case "ne":
      return difference !== 0;
    case "gt":
      return difference > 0;
    case "ge":
      return difference >= 0;
    case "lt":
      return difference < 0;
    case "le":
      return difference <= 0;
    default:
      return false;
  }
}

/**
 * Evaluates a filter against one JSON object (a resource, or one value of a multi-valued attribute for a
 * value filter), RFC 7644 §3.4.2.2: names are case-insensitive, string comparison follows `caseExact`
 * (case-insensitive when the attribute is unknown), a multi-valued attribute matches when any value does,
 * a complex multi-valued attribute without sub-attribute compares its `value`s, date-times compare
 * chronologically. An absent attribute satisfies only `ne` (and `eq null`).
 */
export function matchesFilter(
  filter: Filter,
  object: JsonObject,
  definitions: readonly AttributeDefinition[],
): boolean {
  switch (filter.kind) {
    case "and":
      return (
        matchesFilter(filter.left, object, definitions) && matchesFilter(filter.right, object, definitions)
      );
    case "or":
      return (
        matchesFilter(filter.left, object, definitions) || matchesFilter(filter.right, object, definitions)
      );
    case "not":
      return !matchesFilter(filter.filter, object, definitions);
    case "present":
      return lookup(object, filter.path, definitions).values.length > 0;
    case "valuePath": {
      const container = containerOf(object, filter.path.schema);
      const key = isJsonObject(container) ? findKey(container, filter.path.attribute) : undefined;
      const raw = key === undefined ? undefined : (container as JsonObject)[key];
      const items = (Array.isArray(raw) ? raw : [raw]).filter(isJsonObject);
      const subDefinitions = findDefinition(definitions, filter.path.attribute)?.subAttributes ?? [];
      return items.some((item) => matchesFilter(filter.filter, item, subDefinitions));
    }
    default: {
      const { values, definition } = lookup(object, filter.path, definitions);
      if (values.length === 0) return filter.value === null ? filter.op === "eq" : filter.op === "ne";
      if (filter.value === null) return filter.op === "ne";
      if (filter.op === "ne")
        return !values.some((value) => compareOne({ ...filter, op: "eq" }, value, definition));
      return values.some((value) => compareOne(filter, value, definition));
    }
  }
}
