import { GroupField, type GroupFilter } from "@cosafe/proto/identity";
import { invalidArgument } from "../../domain/domain-error.js";
import { type ColumnSpec, conditionSql } from "./condition-sql.js";
import { joinSql, type SqlFragment } from "./sql-fragment.js";

const invalid = (message: string) => invalidArgument("FILTER_INVALID", message);

/** Group fields and where they are stored: the filter allowlist. */
const groupColumns: Partial<Record<GroupField, ColumnSpec>> = {
  [GroupField.ID]: { expr: "g.id", type: "uuid" },
  [GroupField.DISPLAY_NAME]: { expr: "g.display_name", type: "string" },
  [GroupField.EXTERNAL_ID]: { expr: "g.external_id", type: "string", caseExact: true },
  [GroupField.ACCOUNT_ID]: { expr: "g.account_id", type: "uuid" },
  [GroupField.CREATE_TIME]: { expr: "g.created_at", type: "timestamp" },
  [GroupField.UPDATE_TIME]: { expr: "g.updated_at", type: "timestamp" },
};

/** Who is asking decides which memberships a member filter sees (R10). */
export interface GroupFilterScope {
  scimView: boolean;
}

function compile(filter: GroupFilter, scope: GroupFilterScope, depth: number): SqlFragment {
  if (depth > 32) throw invalid("filter is nested too deeply");
  const node = filter.expression;
  switch (node.case) {
    case "and":
    case "or":
      if (node.value.filters.length === 0) throw invalid(`${node.case} needs at least one operand`);
      return joinSql(
        node.value.filters.map((f) => compile(f, scope, depth + 1)),
        node.case === "and" ? " and " : " or ",
      );
    case "not": {
      const inner = compile(node.value, scope, depth + 1);
      return { sql: `not coalesce((${inner.sql}), false)`, params: inner.params };
    }
    case "condition": {
      const { field, operator, value } = node.value;
      const name = GroupField[field] ?? String(field);
      if (field === GroupField.MEMBER_USER_ID) {
        const inner = conditionSql({ expr: "m.user_id", type: "uuid" }, operator, value, name);
        const visible = scope.scimView
          ? " and (m.source = 'SCIM' or exists (select 1 from identity.app_user mu where mu.id = m.user_id and mu.managed_by = 'SCIM'))"
          : " and m.state = 'ACTIVE'";
        return {
          sql: `exists (select 1 from identity.group_membership m where m.group_id = g.id and ${inner.sql}${visible})`,
          params: inner.params,
        };
      }
      const column = groupColumns[field];
      if (!column) throw invalid(`groups cannot be filtered by ${name}`);
      return conditionSql(column, operator, value, name);
    }
    default:
      throw invalid("empty filter expression");
  }
}

/** Compiles a typed group filter to a SQL condition over `identity.app_group g`. */
export function groupFilterSql(filter: GroupFilter, scope: GroupFilterScope): SqlFragment {
  return compile(filter, scope, 0);
}

/** Sortable group fields. */
export const groupSortColumns: Partial<Record<GroupField, string>> = Object.fromEntries(
  Object.entries(groupColumns).map(([field, column]) => [field, column.expr]),
);
