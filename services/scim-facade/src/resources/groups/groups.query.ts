import { create } from "@bufbuild/protobuf";
import {
  GroupField,
  type GroupFilter,
  GroupFilterSchema,
  type GroupOrderBy,
  GroupOrderBySchema,
  SortOrder,
} from "@cosafe/proto/identity";
import { GROUP_SCHEMA } from "@cosafe/scim";
import { FilterTranslation } from "../filter-translation.js";

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

const groups = new FilterTranslation<GroupFilter, GroupField>({
  resource: "groups",
  schema: GROUP_SCHEMA,
  fields: groupFields,
  timeFields: new Set([GroupField.CREATE_TIME, GroupField.UPDATE_TIME]),
  booleanLiterals: false,
  valuePaths: new Set([GroupField.MEMBER_USER_ID]),
  sortable: new Set([
    GroupField.ID,
    GroupField.DISPLAY_NAME,
    GroupField.EXTERNAL_ID,
    GroupField.CREATE_TIME,
    GroupField.UPDATE_TIME,
  ]),
  nodes: {
    combine: (kind, filters) => create(GroupFilterSchema, { expression: { case: kind, value: { filters } } }),
    not: (filter) => create(GroupFilterSchema, { expression: { case: "not", value: filter } }),
    condition: (field, operator, value) =>
      create(GroupFilterSchema, { expression: { case: "condition", value: { field, operator, value } } }),
    // members[value eq "x"] is a condition on one member, which is what a member condition means.
    valuePath: (_attribute, filter) => filter,
  },
});

/** Parses a SCIM filter and translates it into identity-core's typed group filter. */
export function groupFilterFromScim(source: string): GroupFilter {
  return groups.filter(source);
}

/** Translates sortBy/sortOrder (single-valued group attributes only). */
export function groupOrderFromScim(
  sortBy: string | undefined,
  descending: boolean,
): GroupOrderBy | undefined {
  if (!sortBy) return undefined;
  return create(GroupOrderBySchema, {
    field: groups.sortField(sortBy),
    order: descending ? SortOrder.DESCENDING : SortOrder.ASCENDING,
  });
}
