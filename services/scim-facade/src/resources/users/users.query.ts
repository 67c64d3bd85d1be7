import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  FilterOperator,
  type FilterValue,
  FilterValueSchema,
  SortOrder,
  UserField,
  type UserFilter,
  UserFilterSchema,
  type UserOrderBy,
  UserOrderBySchema,
} from "@cosafe/proto/identity";
import {
  type AttributeRef,
  type CompareFilter,
  type Filter,
  parseFilter,
  parseSortBy,
  ScimError,
  USER_SCHEMA,
} from "@cosafe/scim";

const invalid = (detail: string) => new ScimError(400, "invalidFilter", detail);

/**
 * The filter allowlist of /Users: SCIM attribute paths (lower case) and the typed field
 * each one means in identity-core. Anything else is 400 invalidFilter.
 */
const userFields: Record<string, UserField> = {
  id: UserField.ID,
  username: UserField.USER_NAME,
  displayname: UserField.DISPLAY_NAME,
  externalid: UserField.EXTERNAL_ID,
  title: UserField.TITLE,
  active: UserField.ACTIVE,
  "name.formatted": UserField.NAME_FORMATTED,
  "name.givenname": UserField.NAME_GIVEN_NAME,
  "name.familyname": UserField.NAME_FAMILY_NAME,
  emails: UserField.EMAIL_VALUE,
  "emails.value": UserField.EMAIL_VALUE,
  "emails.type": UserField.EMAIL_TYPE,
  phonenumbers: UserField.PHONE_NUMBER_VALUE,
  "phonenumbers.value": UserField.PHONE_NUMBER_VALUE,
  "phonenumbers.type": UserField.PHONE_NUMBER_TYPE,
  "meta.created": UserField.CREATE_TIME,
  "meta.lastmodified": UserField.UPDATE_TIME,
};

const timeFields = new Set([UserField.CREATE_TIME, UserField.UPDATE_TIME]);

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

function pathKey(ref: AttributeRef, parent?: AttributeRef): string {
  if (ref.schema && ref.schema.toLowerCase() !== USER_SCHEMA.toLowerCase()) {
    throw invalid(`filtering by ${ref.schema} attributes is not supported`);
  }
  const parts = parent ? [parent.attribute, ref.attribute] : [ref.attribute, ref.subAttribute];
  return parts.filter(Boolean).join(".").toLowerCase();
}

function fieldOf(ref: AttributeRef, parent?: AttributeRef): UserField {
  const key = pathKey(ref, parent);
  const field = userFields[key];
  if (field === undefined) throw invalid(`users cannot be filtered by "${key}"`);
  return field;
}

function filterValueOf(filter: CompareFilter, field: UserField): FilterValue {
  const { value } = filter;
  if (value === null) return create(FilterValueSchema, { kind: { case: "nullValue", value: true } });
  if (typeof value === "boolean") return create(FilterValueSchema, { kind: { case: "boolValue", value } });
  if (typeof value === "number") throw invalid("users have no numeric attributes to compare with a number");
  if (timeFields.has(field)) {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw invalid(`"${value}" is not a date-time`);
    return create(FilterValueSchema, { kind: { case: "timestampValue", value: timestampFromDate(date) } });
  }
  return create(FilterValueSchema, { kind: { case: "stringValue", value } });
}

function translate(filter: Filter, parent?: AttributeRef): UserFilter {
  switch (filter.kind) {
    case "and":
    case "or":
      return create(UserFilterSchema, {
        expression: {
          case: filter.kind,
          value: { filters: [translate(filter.left, parent), translate(filter.right, parent)] },
        },
      });
    case "not":
      return create(UserFilterSchema, {
        expression: { case: "not", value: translate(filter.filter, parent) },
      });
    case "present": {
      const field = fieldOf(filter.path, parent);
      return create(UserFilterSchema, {
        expression: { case: "condition", value: { field, operator: FilterOperator.PRESENT } },
      });
    }
    case "compare": {
      const field = fieldOf(filter.path, parent);
      return create(UserFilterSchema, {
        expression: {
          case: "condition",
          value: { field, operator: operators[filter.op], value: filterValueOf(filter, field) },
        },
      });
    }
    case "valuePath": {
      if (parent) throw invalid("value paths cannot nest");
      const attribute = fieldOf(filter.path);
      return create(UserFilterSchema, {
        expression: { case: "element", value: { attribute, filter: translate(filter.filter, filter.path) } },
      });
    }
  }
}

/** Parses a SCIM filter and translates it into identity-core's typed user filter. */
export function userFilterFromScim(source: string): UserFilter {
  return translate(parseFilter(source));
}

/** sortBy allowlist: single-valued attributes only. */
const sortable = new Set([
  UserField.ID,
  UserField.USER_NAME,
  UserField.DISPLAY_NAME,
  UserField.EXTERNAL_ID,
  UserField.TITLE,
  UserField.NAME_FORMATTED,
  UserField.NAME_GIVEN_NAME,
  UserField.NAME_FAMILY_NAME,
  UserField.CREATE_TIME,
  UserField.UPDATE_TIME,
]);

/** Translates SCIM sortBy/sortOrder into identity-core's user ordering. */
export function userOrderFromScim(sortBy: string | undefined, descending: boolean): UserOrderBy | undefined {
  if (!sortBy) return undefined;
  let field: UserField;
  try {
    field = fieldOf(parseSortBy(sortBy));
  } catch {
    throw new ScimError(400, "invalidValue", `users cannot be sorted by "${sortBy}"`);
  }
  if (!sortable.has(field)) throw new ScimError(400, "invalidValue", `users cannot be sorted by "${sortBy}"`);
  return create(UserOrderBySchema, { field, order: descending ? SortOrder.DESCENDING : SortOrder.ASCENDING });
}
