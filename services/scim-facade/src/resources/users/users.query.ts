import { create } from "@bufbuild/protobuf";
import {
  FilterOperator,
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
import { attributeKey, filterLiteral, filterOperators, invalidFilter, operands } from "../filter-terms.js";

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

function fieldOf(ref: AttributeRef, parent?: AttributeRef): UserField {
  const key = attributeKey(ref, USER_SCHEMA, parent);
  const field = userFields[key];
  if (field === undefined) throw invalidFilter(`users cannot be filtered by "${key}"`);
  return field;
}

const literal = (filter: CompareFilter, field: UserField) =>
  filterLiteral(filter, { time: timeFields.has(field), resource: "users" });

function translate(filter: Filter, parent?: AttributeRef): UserFilter {
  switch (filter.kind) {
    case "and":
    case "or":
      return create(UserFilterSchema, {
        expression: {
          case: filter.kind,
          // One list per chain: `a or b or … z` is one level deep on the wire, not 25 (protobuf stops at 100).
          value: { filters: operands(filter).map((operand) => translate(operand, parent)) },
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
          value: { field, operator: filterOperators[filter.op], value: literal(filter, field) },
        },
      });
    }
    case "valuePath": {
      if (parent) throw invalidFilter("value paths cannot nest");
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
