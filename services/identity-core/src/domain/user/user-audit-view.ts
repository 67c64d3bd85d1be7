import type { User } from "../../storage/entities.js";

/** The fields of a user an audit event records before and after a change (R22). */
export function auditView(user: User): Record<string, unknown> {
  return {
    userName: user.userName,
    displayName: user.displayName,
    externalId: user.externalId,
    title: user.title,
    active: user.active,
    name: { formatted: user.nameFormatted, givenName: user.nameGivenName, familyName: user.nameFamilyName },
    emails: user.emails,
    phoneNumbers: user.phoneNumbers,
    managedBy: user.managedBy,
    state: user.state,
  };
}
