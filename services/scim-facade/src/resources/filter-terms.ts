import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { FilterOperator, type FilterValue, FilterValueSchema } from "@cosafe/proto/identity";
import { type AttributeRef, type CompareFilter, type Filter, ScimError } from "@cosafe/scim";

/** Shared pieces of the per-resource filter translations (users.query.ts, groups.query.ts). */
export const invalidFilter = (detail: string) => new ScimError(400, "invalidFilter", detail);

/** SCIM comparison operators → identity-core's typed operators. */
export const filterOperators: Record<CompareFilter["op"], FilterOperator> = {
  eq: FilterOperator.EQUAL,
  ne: FilterOperator.NOT_EQUAL,
  co: FilterOperator.CONTAINS,
  sw: FilterOperator.STARTS_WITH,
  ew: FilterOperator.ENDS_WITH,
  gt: FilterOperator.GREATER_THAN,
  ge: FilterOperator.GREATER_THAN_OR_EQUAL,
  lt: FilterOperator.LESS_THAN,
  le: FilterOperator.LESS_THAN_OR_EQUAL,
};

/**
 * The lower-case allowlist key of an attribute reference (`name.givenname`, or inside a
 * value path `emails[type …]` → `emails.type`). Only the resource's own core schema may prefix it.
 */
export function attributeKey(ref: AttributeRef, schema: string, parent?: AttributeRef): string {
  if (ref.schema && ref.schema.toLowerCase() !== schema.toLowerCase()) {
    throw invalidFilter(`filtering by ${ref.schema} attributes is not supported`);
  }
  const parts = parent ? [parent.attribute, ref.attribute] : [ref.attribute, ref.subAttribute];
  return parts.filter(Boolean).join(".").toLowerCase();
}

/** A filter literal as identity-core's typed value: date-times for time fields, never numbers. */
export function filterLiteral(
  filter: CompareFilter,
  options: { time: boolean; resource: string },
): FilterValue {
  const { value } = filter;
  if (value === null) return create(FilterValueSchema, { kind: { case: "nullValue", value: true } });
  if (typeof value === "boolean") return create(FilterValueSchema, { kind: { case: "boolValue", value } });
  if (typeof value === "number")
    throw invalidFilter(`${options.resource} have no numeric attributes to compare with a number`);
  if (options.time) {
    const date = filterDate(value);
    return create(FilterValueSchema, { kind: { case: "timestampValue", value: timestampFromDate(date) } });
  }
  return create(FilterValueSchema, { kind: { case: "stringValue", value } });
}

/** RFC 3339 date-time, the one form SCIM filters compare times with (RFC 7643 §2.3.5). */
const dateTime = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/**
 * A filter's date-time literal as a Date: years 0001–9999 (what PostgreSQL and every IdP
 * agree on), real calendar days (no 2021-02-30), else 400 invalidFilter.
 */
export function filterDate(value: string): Date {
  const parts = dateTime.exec(value);
  const date = new Date(value);
  const [year, month, day] = (parts ?? []).slice(1, 4).map(Number) as [number, number, number];
  const calendar = new Date(0);
  if (parts) calendar.setUTCFullYear(year, month - 1, day);
  const valid =
    parts !== null &&
    !Number.isNaN(date.getTime()) &&
    year >= 1 &&
    calendar.getUTCMonth() === month - 1 &&
    calendar.getUTCDate() === day &&
    date.getTime() >= Date.parse("0001-01-01T00:00:00Z") &&
    date.getTime() <= Date.parse("9999-12-31T23:59:59.999Z");
  if (!valid)
    throw invalidFilter(
      `${JSON.stringify(value)} is not a date-time in the years 0001–9999 (e.g. "2024-01-31T12:00:00Z")`,
    );
  return date;
}

/** The operands of a chain of one logical operator, `a or b or c` → [a, b, c], without recursion. */
export function operands(filter: Filter & { kind: "and" | "or" }): Filter[] {
  const result: Filter[] = [];
  const stack: Filter[] = [filter];
  while (stack.length > 0) {
    const next = stack.pop() as Filter;
    if (next.kind === filter.kind) stack.push(next.right, next.left);
    else result.push(next);
  }
  return result;
}
