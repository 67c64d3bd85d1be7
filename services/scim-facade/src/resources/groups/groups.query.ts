import { create } from "@bufbuild/protobuf";
import {
  FilterOperator,
  GroupField,
  type GroupFilter,
  GroupFilterSchema,
  type GroupOrderBy,
  GroupOrderBySchema,
  SortOrder,
} from "@cosafe/proto/identity";
import {
  type AttributeRef,
  type CompareFilter,
  type Filter,
  GROUP_SCHEMA,
  parseFilter,
  parseSortBy,
  ScimError,
} from "@cosafe/scim";
import { attributeKey, filterLiteral, filterOperators, invalidFilter, operands } from "../filter-terms.js";

/** The filter allowlist of /Groups. */
const groupFields: Record<string, GroupField> = {
  id: GroupField.ID,
  displayname: GroupField.DISPLAY_NAME,
  externalid: GroupField.EXTERNAL_ID,
  members: GroupField.MEMBER_USER_ID,
  "members.value": GroupField.MEMBER_USER_ID,
  "meta.created": GroupField.CREATE_TIME,
  "meta.lastmodified": GroupField.UPDATE_TIME,
};

const timeFields = new Set([GroupField.CREATE_TIME, GroupField.UPDATE_TIME]);

function fieldOf(ref: AttributeRef, parent?: AttributeRef): GroupField {
  const key = attributeKey(ref, GROUP_SCHEMA, parent);
  const field = groupFields[key];
  if (field === undefined) throw invalidFilter(`groups cannot be filtered by "${key}"`);
  return field;
}

function literal(filter: CompareFilter, field: GroupField) {
  if (typeof filter.value === "boolean") throw invalidFilter("group attributes compare with strings");
  return filterLiteral(filter, { time: timeFields.has(field), resource: "groups" });
}

function translate(filter: Filter, parent?: AttributeRef): GroupFilter {
  switch (filter.kind) {
    case "and":
    case "or":
      return create(GroupFilterSchema, {
        expression: {
          case: filter.kind,
          // One list per chain: `a or b or … z` is one level deep on the wire, not 25 (protobuf stops at 100).
          value: { filters: operands(filter).map((operand) => translate(operand, parent)) },
        },
      });
    case "not":
      return create(GroupFilterSchema, {
        expression: { case: "not", value: translate(filter.filter, parent) },
      });
    case "present":
      return create(GroupFilterSchema, {
        expression: {
          case: "condition",
          value: { field: fieldOf(filter.path, parent), operator: FilterOperator.PRESENT },
        },
      });
    case "compare": {
      const field = fieldOf(filter.path, parent);
      return create(GroupFilterSchema, {
        expression: {
          case: "condition",
          value: { field, operator: filterOperators[filter.op], value: literal(filter, field) },
        },
      });
    }
    case "valuePath":
      // members[value eq "x"] is a condition on one member, which is what a member condition means.
      if (parent) throw invalidFilter("value paths cannot nest");
      if (fieldOf(filter.path) !== GroupField.MEMBER_USER_ID)
        throw invalidFilter("only members supports value paths");
      return translate(filter.filter, filter.path);
  }
}

/** Parses a SCIM filter and translates it into identity-core's typed group filter. */
export function groupFilterFromScim(source: string): GroupFilter {
  return translate(parseFilter(source));
}

/** Translates sortBy/sortOrder (single-valued group attributes only). */
export function groupOrderFromScim(
  sortBy: string | undefined,
  descending: boolean,
): GroupOrderBy | undefined {
  if (!sortBy) return undefined;
  let field: GroupField;
  try {
    field = fieldOf(parseSortBy(sortBy));
  } catch {
    throw new ScimError(400, "invalidValue", `groups cannot be sorted by "${sortBy}"`);
  }
  if (field === GroupField.MEMBER_USER_ID)
    throw new ScimError(400, "invalidValue", "groups cannot be sorted by members");
  return create(GroupOrderBySchema, {
    field,
    order: descending ? SortOrder.DESCENDING : SortOrder.ASCENDING,
  });
}
