import type { UserFields } from "../../storage/user-row.js";

/** What an audit event records of a user. */
export type AuditedUser = UserFields;

/** The fields of a user an audit event records before and after a change (R22). */
export function auditView(user: AuditedUser): Record<string, unknown> {
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
    locale: user.locale,
    role: user.role,
    customAttributes: user.customAttributes,
  };
}

/** JSON with object keys sorted, so values compare equal whatever order their keys came in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** R22: before and after of the fields that differ between two views; both empty when nothing changed. */
export function changedFields(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const changed = { before: {} as Record<string, unknown>, after: {} as Record<string, unknown> };
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (canonicalJson(before[key] ?? null) === canonicalJson(after[key] ?? null)) continue;
    changed.before[key] = before[key] ?? null;
    changed.after[key] = after[key] ?? null;
  }
  return changed;
}
