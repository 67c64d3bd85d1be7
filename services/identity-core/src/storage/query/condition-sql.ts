import { timestampDate } from "@bufbuild/protobuf/wkt";
import { FilterOperator, type FilterValue } from "@cosafe/proto/identity";
import { controlCharacterAt } from "@cosafe/proto/limits";
import { invalidArgument } from "../../domain/domain-error.js";
import { type SqlFragment, sql } from "./sql-fragment.js";

/** How one filterable attribute is stored: its SQL expression and how values compare. */
export interface ColumnSpec {
  /** SQL expression of the value, e.g. `u.user_name`. */
  expr: string;
  type: "string" | "boolean" | "timestamp" | "uuid";
  /** Case-sensitive comparison (RFC 7643 caseExact), e.g. externalId. */
  caseExact?: boolean;
}

const invalid = (message: string) => invalidArgument("FILTER_INVALID", message);

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function stringValue(value: FilterValue | undefined, field: string): string {
  if (value?.kind.case !== "stringValue") throw invalid(`${field} compares with a string`);
  // PostgreSQL text cannot hold NUL; no stored value has a control character (docs/adr/0018).
  if (controlCharacterAt(value.kind.value) >= 0) throw invalid(`${field}: the value has a control character`);
  return value.kind.value;
}

/** PostgreSQL's timestamptz covers years 4713 BC to 294276 AD, but a stored time is always in 1…9999. */
const earliest = Date.parse("0001-01-01T00:00:00Z");
const latest = Date.parse("9999-12-31T23:59:59.999Z");

function timeValue(value: FilterValue | undefined, field: string): Date {
  const bound = value?.kind.case === "timestampValue" ? timestampDate(value.kind.value) : undefined;
  if (!bound) throw invalid(`${field} compares with a date-time`);
  const time = bound.getTime();
  if (!(time >= earliest && time <= latest))
    throw invalid(`${field}: the date-time is outside the years 1 to 9999`);
  return bound;
}

const ordering: Partial<Record<FilterOperator, string>> = {
  [FilterOperator.GREATER_THAN]: ">",
  [FilterOperator.GREATER_THAN_OR_EQUAL]: ">=",
  [FilterOperator.LESS_THAN]: "<",
  [FilterOperator.LESS_THAN_OR_EQUAL]: "<=",
};

/**
 * Compiles one `field operator value` comparison to SQL. Strings compare
 * case-insensitively unless the column is case-exact; every value is bound, never spliced.
 */
export function conditionSql(
  column: ColumnSpec,
  operator: FilterOperator,
  value: FilterValue | undefined,
  field: string,
): SqlFragment {
  const { expr } = column;
  if (operator === FilterOperator.PRESENT) {
    return column.type === "string"
      ? sql(`${expr} is not null and ${expr} <> ''`)
      : sql(`${expr} is not null`);
  }
  if (value?.kind.case === "nullValue") {
    if (operator === FilterOperator.EQUAL) return sql(`${expr} is null`);
    if (operator === FilterOperator.NOT_EQUAL) return sql(`${expr} is not null`);
    throw invalid(`${field}: null compares only with eq or ne`);
  }
  switch (column.type) {
    case "boolean": {
      if (value?.kind.case !== "boolValue") throw invalid(`${field} compares with true or false`);
      if (operator === FilterOperator.EQUAL) return sql(`${expr} = ?`, value.kind.value);
      if (operator === FilterOperator.NOT_EQUAL) return sql(`${expr} <> ?`, value.kind.value);
      throw invalid(`${field} supports only eq, ne and pr`);
    }
    case "timestamp": {
      const bound = timeValue(value, field);
      const op =
        operator === FilterOperator.EQUAL
          ? "="
          : operator === FilterOperator.NOT_EQUAL
            ? "<>"
            : ordering[operator];
      if (!op) throw invalid(`${field} supports eq, ne, gt, ge, lt, le and pr`);
      return sql(`${expr} ${op} ?`, bound);
    }
    case "uuid": {
      const text = stringValue(value, field);
      if (operator === FilterOperator.EQUAL) return sql(`${expr}::text = lower(?)`, text);
      if (operator === FilterOperator.NOT_EQUAL) return sql(`${expr}::text <> lower(?)`, text);
      throw invalid(`${field} supports only eq, ne and pr`);
    }
    case "string": {
      const text = stringValue(value, field);
      const left = column.caseExact ? expr : `lower(${expr})`;
      const right = column.caseExact ? "?" : "lower(?)";
      switch (operator) {
        case FilterOperator.EQUAL:
          return sql(`${left} = ${right}`, text);
        case FilterOperator.NOT_EQUAL:
          return sql(`${expr} is null or ${left} <> ${right}`, text);
        case FilterOperator.CONTAINS:
          return sql(`${left} like ${right} escape '\\'`, `%${escapeLike(text)}%`);
        case FilterOperator.STARTS_WITH:
          return sql(`${left} like ${right} escape '\\'`, `${escapeLike(text)}%`);
        case FilterOperator.ENDS_WITH:
          return sql(`${left} like ${right} escape '\\'`, `%${escapeLike(text)}`);
        default: {
          const op = ordering[operator];
          if (!op) throw invalid(`${field}: unsupported operator`);
          return sql(`${left} ${op} ${right}`, text);
        }
      }
    }
  }
}
