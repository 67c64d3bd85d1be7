import { create } from "@bufbuild/protobuf";
import {
  SortOrder,
  UserField,
  type UserFilter,
  UserFilterSchema,
  type UserOrderBy,
  UserOrderBySchema,
} from "@cosafe/proto/identity";
import { USER_SCHEMA } from "@cosafe/scim";
import { FilterTranslation } from "../filter-translation.js";

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
  // User.groups (read-only): a membership the caller sees, by group id.
  groups: UserField.GROUP_ID,
  "groups.value": UserField.GROUP_ID,
  "meta.created": UserField.CREATE_TIME,
  "meta.lastmodified": UserField.UPDATE_TIME,
};

const users = new FilterTranslation<UserFilter, UserField>({
  resource: "users",
  schema: USER_SCHEMA,
  fields: userFields,
  timeFields: new Set([UserField.CREATE_TIME, UserField.UPDATE_TIME]),
  booleanLiterals: true,
  // sortBy allowlist: single-valued attributes only.
  sortable: new Set([
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
  ]),
  nodes: {
    combine: (kind, filters) => create(UserFilterSchema, { expression: { case: kind, value: { filters } } }),
    not: (filter) => create(UserFilterSchema, { expression: { case: "not", value: filter } }),
    condition: (field, operator, value) =>
      create(UserFilterSchema, { expression: { case: "condition", value: { field, operator, value } } }),
    valuePath: (attribute, filter) =>
      create(UserFilterSchema, { expression: { case: "element", value: { attribute, filter } } }),
  },
});

/** Parses a SCIM filter and translates it into identity-core's typed user filter. */
export function userFilterFromScim(source: string): UserFilter {
  return users.filter(source);
}

/** Translates SCIM sortBy/sortOrder into identity-core's user ordering. */
export function userOrderFromScim(sortBy: string | undefined, descending: boolean): UserOrderBy | undefined {
  if (!sortBy) return undefined;
  return create(UserOrderBySchema, {
    field: users.sortField(sortBy),
    order: descending ? SortOrder.DESCENDING : SortOrder.ASCENDING,
  });
}
