/** Update-mask paths of a user. */
export const userFieldPaths = [
  "user_name",
  "display_name",
  "external_id",
  "title",
  "active",
  "name",
  "emails",
  "phone_numbers",
  "locale",
  "role",
  "custom_attributes",
] as const;
export type UserFieldPath = (typeof userFieldPaths)[number];

/** R2/R6: what SCIM synchronises — locked for administrators on SCIM-managed users. */
export const mappedFields: readonly UserFieldPath[] = [
  "user_name",
  "display_name",
  "external_id",
  "title",
  "active",
  "name",
  "emails",
  "phone_numbers",
];

/** How each mapped field is called in SCIM, for messages an administrator reads. */
export const scimNames: Record<UserFieldPath, string> = {
  user_name: "userName",
  display_name: "displayName",
  external_id: "externalId",
  title: "title",
  active: "active",
  name: "name",
  emails: "emails",
  phone_numbers: "phoneNumbers",
  locale: "locale",
  role: "role",
  custom_attributes: "customAttributes",
};
