import { UserField, type UserFilter } from "@cosafe/proto/identity";
import { invalidArgument } from "../../domain/domain-error.js";
import { type ColumnSpec, conditionSql } from "./condition-sql.js";
import { joinSql, type SqlFragment, sql } from "./sql-fragment.js";

const invalid = (message: string) => invalidArgument("FILTER_INVALID", message);

/** Single-valued user fields and where they are stored: the filter allowlist. */
const userColumns: Partial<Record<UserField, ColumnSpec>> = {
  [UserField.ID]: { expr: "u.id", type: "uuid" },
  [UserField.USER_NAME]: { expr: "u.user_name", type: "string" },
  [UserField.DISPLAY_NAME]: { expr: "u.display_name", type: "string" },
  [UserField.EXTERNAL_ID]: { expr: "u.external_id", type: "string", caseExact: true },
  [UserField.TITLE]: { expr: "u.title", type: "string" },
  [UserField.ACTIVE]: { expr: "u.active", type: "boolean" },
  [UserField.NAME_FORMATTED]: { expr: "u.name_formatted", type: "string" },
  [UserField.NAME_GIVEN_NAME]: { expr: "u.name_given_name", type: "string" },
  [UserField.NAME_FAMILY_NAME]: { expr: "u.name_family_name", type: "string" },
  [UserField.MANAGED_BY]: { expr: "u.managed_by", type: "string" },
  [UserField.STATE]: { expr: "u.state", type: "string" },
  [UserField.CREATE_TIME]: { expr: "u.created_at", type: "timestamp" },
  [UserField.UPDATE_TIME]: { expr: "u.updated_at", type: "timestamp" },
};

/** Multi-valued attributes: the JSONB array and the fields of one element. */
const elementAttributes: Partial<
  Record<UserField, { array: string; fields: Partial<Record<UserField, string>> }>
> = {
  [UserField.EMAIL_VALUE]: {
    array: "u.emails",
    fields: { [UserField.EMAIL_VALUE]: "value", [UserField.EMAIL_TYPE]: "type" },
  },
  [UserField.PHONE_NUMBER_VALUE]: {
    array: "u.phone_numbers",
    fields: { [UserField.PHONE_NUMBER_VALUE]: "value", [UserField.PHONE_NUMBER_TYPE]: "type" },
  },
};
elementAttributes[UserField.EMAIL_TYPE] = elementAttributes[UserField.EMAIL_VALUE];
elementAttributes[UserField.PHONE_NUMBER_TYPE] = elementAttributes[UserField.PHONE_NUMBER_VALUE];

/** Inside an element filter, conditions name fields of that one element (alias `e`). */
interface Scope {
  element?: { fields: Partial<Record<UserField, string>> };
  /** SCIM actors see only the memberships R10 shows them. */
  scimView: boolean;
}

function fieldName(field: UserField): string {
  return UserField[field] ?? String(field);
}

function compile(filter: UserFilter, scope: Scope, depth: number): SqlFragment {
  if (depth > 32) throw invalid("filter is nested too deeply");
  const node = filter.expression;
  switch (node.case) {
    case "and":
    case "or": {
      if (node.value.filters.length === 0) throw invalid(`${node.case} needs at least one operand`);
      return joinSql(
        node.value.filters.map((f) => compile(f, scope, depth + 1)),
        node.case === "and" ? " and " : " or ",
      );
    }
    case "not": {
      const inner = compile(node.value, scope, depth + 1);
      return { sql: `not coalesce((${inner.sql}), false)`, params: inner.params };
    }
    case "condition": {
      const { field, operator, value } = node.value;
      if (scope.element) {
        const key = scope.element.fields[field];
        if (!key) throw invalid(`${fieldName(field)} is not a field of this multi-valued attribute`);
        return conditionSql({ expr: `(e ->> '${key}')`, type: "string" }, operator, value, fieldName(field));
      }
      const element = elementAttributes[field];
      if (element) {
        // A plain condition on a multi-valued field holds when any element matches.
        const key = element.fields[field];
        const inner = conditionSql(
          { expr: `(e ->> '${key}')`, type: "string" },
          operator,
          value,
          fieldName(field),
        );
        return {
          sql: `exists (select 1 from jsonb_array_elements(${element.array}) e where ${inner.sql})`,
          params: inner.params,
        };
      }
      if (field === UserField.GROUP_ID) {
        // SCIM's groups.value: a membership the caller sees (R10), on group_membership_user_group_idx.
        const inner = conditionSql({ expr: "gm.group_id", type: "uuid" }, operator, value, fieldName(field));
        const visible = scope.scimView ? " and (gm.source = 'SCIM' or u.managed_by = 'SCIM')" : "";
        return {
          sql: `exists (select 1 from identity.group_membership gm where gm.user_id = u.id${visible} and ${inner.sql})`,
          params: inner.params,
        };
      }
      if (field === UserField.ACCOUNT_ID) {
        const inner = conditionSql(
          { expr: "am.account_id", type: "uuid" },
          operator,
          value,
          fieldName(field),
        );
        return {
          sql: `exists (select 1 from identity.account_membership am where am.user_id = u.id and ${inner.sql})`,
          params: inner.params,
        };
      }
      const column = userColumns[field];
      if (!column) throw invalid(`users cannot be filtered by ${fieldName(field)}`);
      return conditionSql(column, operator, value, fieldName(field));
    }
    case "element": {
      if (scope.element) throw invalid("element filters cannot nest");
      const element = elementAttributes[node.value.attribute];
      if (!element || !node.value.filter)
        throw invalid(`${fieldName(node.value.attribute)} is not multi-valued`);
      const inner = compile(node.value.filter, { element, scimView: scope.scimView }, depth + 1);
      return {
        sql: `exists (select 1 from jsonb_array_elements(${element.array}) e where ${inner.sql})`,
        params: inner.params,
      };
    }
    default:
      throw invalid("empty filter expression");
  }
}

/** Compiles a typed user filter to a SQL condition over `identity.app_user u`, through the allowlist above. */
export function userFilterSql(filter: UserFilter, options: { scimView?: boolean } = {}): SqlFragment {
  return compile(filter, { scimView: options.scimView ?? false }, 0);
}

/** Sortable user fields (single-valued only). */
export const userSortColumns: Partial<Record<UserField, string>> = Object.fromEntries(
  Object.entries(userColumns).map(([field, column]) => [field, column.expr]),
);

export { sql };
