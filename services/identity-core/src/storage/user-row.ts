import type { User } from "./entities.js";
import { dateFromRow as toDate, dateOrNullFromRow as toDateOrNull } from "./row-dates.js";

/** An `identity.app_user` row as raw SQL returns it (snake_case; timestamps may arrive as text). */
export interface UserRow {
  id: string;
  tenant_id: string;
  user_name: string;
  display_name: string;
  external_id: string | null;
  title: string | null;
  active: boolean;
  name_formatted: string | null;
  name_given_name: string | null;
  name_family_name: string | null;
  emails: User["emails"];
  phone_numbers: User["phoneNumbers"];
  managed_by: User["managedBy"];
  state: User["state"];
  locale: string | null;
  role: User["role"];
  custom_attributes: Record<string, string>;
  seat_id: string | null;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
  deprovisioned_at: Date | string | null;
  deprovision_reason: User["deprovisionReason"];
  idp_created_at: Date | string | null;
}

/** A user as the domain reads it, straight from a row: no unit of work, no identity map. */
export function userFromRow(row: UserRow): User {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userName: row.user_name,
    displayName: row.display_name,
    externalId: row.external_id,
    title: row.title,
    active: row.active,
    nameFormatted: row.name_formatted,
    nameGivenName: row.name_given_name,
    nameFamilyName: row.name_family_name,
    emails: row.emails,
    phoneNumbers: row.phone_numbers,
    managedBy: row.managed_by,
    state: row.state,
    locale: row.locale,
    role: row.role,
    customAttributes: row.custom_attributes,
    seatId: row.seat_id,
    version: row.version,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    deprovisionedAt: toDateOrNull(row.deprovisioned_at),
    deprovisionReason: row.deprovision_reason,
    idpCreatedAt: toDateOrNull(row.idp_created_at),
  } as User;
}

/** The fields of a user an IdP or an administrator sets: what audits record and writes store. */
export type UserFields = Pick<
  User,
  | "userName"
  | "displayName"
  | "externalId"
  | "title"
  | "active"
  | "nameFormatted"
  | "nameGivenName"
  | "nameFamilyName"
  | "emails"
  | "phoneNumbers"
  | "managedBy"
  | "state"
  | "locale"
  | "role"
  | "customAttributes"
>;

/**
 * The bound values of a stored user's columns, in this order: user_name, display_name,
 * external_id, title, active, name_formatted, name_given_name, name_family_name, emails,
 * phone_numbers, managed_by, state, locale, role, custom_attributes, seat_id, deprovision_reason.
 */
export function userColumnValues(user: UserFields & Pick<User, "seatId" | "deprovisionReason">): unknown[] {
  return [
    user.userName,
    user.displayName,
    user.externalId,
    user.title,
    user.active,
    user.nameFormatted,
    user.nameGivenName,
    user.nameFamilyName,
    JSON.stringify(user.emails),
    JSON.stringify(user.phoneNumbers),
    user.managedBy,
    user.state,
    user.locale,
    user.role,
    JSON.stringify(user.customAttributes),
    user.seatId,
    user.deprovisionReason,
  ];
}
