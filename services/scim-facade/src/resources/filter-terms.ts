import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { FilterOperator, type FilterValue, FilterValueSchema } from "@cosafe/proto/identity";
import { type AttributeRef, type CompareFilter, ScimError } from "@cosafe/scim";

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
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw invalidFilter(`"${value}" is not a date-time`);
    return create(FilterValueSchema, { kind: { case: "timestampValue", value: timestampFromDate(date) } });
  }
  return create(FilterValueSchema, { kind: { case: "stringValue", value } });
}
