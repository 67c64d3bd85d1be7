import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  FilterOperator,
  type FilterValue,
  FilterValueSchema,
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

const invalid = (detail: string) => new ScimError(400, "invalidFilter", detail);

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

const operators: Record<CompareFilter["op"], FilterOperator> = {
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

function fieldOf(ref: AttributeRef, parent?: AttributeRef): GroupField {
  if (ref.schema && ref.schema.toLowerCase() !== GROUP_SCHEMA.toLowerCase()) {
    throw invalid(`filtering by ${ref.schema} attributes is not supported`);
  }
  const key = (parent ? [parent.attribute, ref.attribute] : [ref.attribute, ref.subAttribute])
    .filter(Boolean)
    .join(".")
    .toLowerCase();
  const field = groupFields[key];
  if (field === undefined) throw invalid(`groups cannot be filtered by "${key}"`);
  return field;
}

function literal(filter: CompareFilter, field: GroupField): FilterValue {
  const { value } = filter;
  if (value === null) return create(FilterValueSchema, { kind: { case: "nullValue", value: true } });
  if (typeof value !== "string") throw invalid("group attributes compare with strings");
  if (timeFields.has(field)) {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw invalid(`"${value}" is not a date-time`);
    return create(FilterValueSchema, { kind: { case: "timestampValue", value: timestampFromDate(date) } });
  }
  return create(FilterValueSchema, { kind: { case: "stringValue", value } });
}

function translate(filter: Filter, parent?: AttributeRef): GroupFilter {
  switch (filter.kind) {
    case "and":
    case "or":
      return create(GroupFilterSchema, {
        expression: {
          case: filter.kind,
          value: { filters: [translate(filter.left, parent), translate(filter.right, parent)] },
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
          value: { field, operator: operators[filter.op], value: literal(filter, field) },
        },
      });
    }
    case "valuePath":
      // members[value eq "x"] is a condition on one member, which is what a member condition means.
      if (parent) throw invalid("value paths cannot nest");
      if (fieldOf(filter.path) !== GroupField.MEMBER_USER_ID)
        throw invalid("only members supports value paths");
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
