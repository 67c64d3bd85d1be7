import type { AttributeRef } from "../path/attribute-path.js";

/** Comparison operators of RFC 7644 §3.4.2.2 (always lower case in the AST). */
export type CompareOperator = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";

/** A comparison value as JSON gives it. Date-times stay strings; see {@link CompareFilter.valueType}. */
export type FilterValue = string | number | boolean | null;

/**
 * How the literal was written: `dateTime` marks a string literal that is an RFC 3339 date-time
 * (`"2011-05-13T04:42:34Z"`), so a consumer can compare it chronologically.
 */
export type FilterValueType = "string" | "dateTime" | "number" | "boolean" | "null";

/** `path op value`, e.g. `userName eq "bjensen"`. */
export interface CompareFilter {
  kind: "compare";
  path: AttributeRef;
  op: CompareOperator;
  value: FilterValue;
  valueType: FilterValueType;
}

/** `path pr`. */
export interface PresentFilter {
  kind: "present";
  path: AttributeRef;
}

/** `left and right` / `left or right`. */
export interface LogicalFilter {
  kind: "and" | "or";
  left: Filter;
  right: Filter;
}

/** `not (filter)`. */
export interface NotFilter {
  kind: "not";
  filter: Filter;
}

/**
 * `emails[type eq "work"]`: `filter` applies to each value of the multi-valued attribute `path`, with
 * paths relative to it. `emails[type eq "work"].value eq "x"` (used by Entra matching) is represented as
 * `emails[type eq "work" and value eq "x"]`, which means the same.
 */
export interface ValuePathFilter {
  kind: "valuePath";
  path: AttributeRef;
  filter: Filter;
}

export type Filter = CompareFilter | PresentFilter | LogicalFilter | NotFilter | ValuePathFilter;
