import { isUuid } from "@cosafe/storage";
import { invalidArgument } from "../domain-error.js";
import { deriveDisplayName } from "../user/display-name.js";
import { toE164 } from "../user/phone-number.js";

/** One import, or one batch of it (docs/import-format.md). Ids are kept as they are. */
export interface ImportAccountInput {
  id: string;
  /** Empty: below the tenant's main account. */
  parentAccountId: string;
  displayName: string;
}

export interface ImportUserInput {
  id: string;
  userName: string;
  displayName: string;
  externalId: string;
  title: string;
  /** Undefined means true. */
  active?: boolean | undefined;
  name?: { formatted: string; givenName: string; familyName: string } | undefined;
  emails: { value: string; type: string; primary: boolean }[];
  phoneNumbers: { value: string; type: string; primary: boolean }[];
  locale: string;
  role: string;
  /** Empty: the tenant's default account. */
  accountIds: string[];
}

export interface ImportGroupInput {
  id: string;
  displayName: string;
  externalId: string;
  /** Empty: the tenant's default account. */
  accountId: string;
}

export interface ImportMembershipInput {
  groupId: string;
  userId: string;
}

export interface ImportInput {
  accounts: ImportAccountInput[];
  users: ImportUserInput[];
  groups: ImportGroupInput[];
  memberships: ImportMembershipInput[];
}

/** A user row as the batch inserts it. */
export interface ImportUserRow {
  id: string;
  user_name: string;
  display_name: string;
  external_id: string | null;
  title: string | null;
  active: boolean;
  name_formatted: string | null;
  name_given_name: string | null;
  name_family_name: string | null;
  emails: unknown[];
  phone_numbers: unknown[];
  locale: string | null;
  role: "MEMBER" | "ADMIN";
  seat_id: string | null;
}

const invalid = (field: string, message: string) =>
  invalidArgument("IMPORT_INVALID", `${field}: ${message}`, { field });

function uuid(value: string, field: string, required = true): string {
  const v = value.trim().toLowerCase();
  if (!v && !required) return "";
  if (!isUuid(v)) throw invalid(field, `"${value}" is not a UUID`);
  return v;
}

/** Checks ids and required fields; ids come back lower-case, strings trimmed. Throws IMPORT_INVALID. */
export function normaliseImport(input: ImportInput): ImportInput {
  return {
    accounts: input.accounts.map((a, i) => {
      const displayName = a.displayName.trim();
      if (!displayName) throw invalid(`accounts[${i}].displayName`, "required");
      return {
        id: uuid(a.id, `accounts[${i}].id`),
        parentAccountId: uuid(a.parentAccountId, `accounts[${i}].parentAccountId`, false),
        displayName,
      };
    }),
    users: input.users.map((u, i) => {
      const userName = u.userName.trim();
      if (!userName) throw invalid(`users[${i}].userName`, "required");
      const role = u.role.trim().toUpperCase() || "MEMBER";
      if (role !== "MEMBER" && role !== "ADMIN") throw invalid(`users[${i}].role`, "MEMBER or ADMIN");
      return {
        ...u,
        id: uuid(u.id, `users[${i}].id`),
        userName,
        role,
        accountIds: u.accountIds.map((id, n) => uuid(id, `users[${i}].accountIds[${n}]`)),
      };
    }),
    groups: input.groups.map((g, i) => {
      const displayName = g.displayName.trim() || g.externalId.trim();
      if (!displayName)
        throw invalid(`groups[${i}].displayName`, "a displayName or an externalId is required");
      return {
        id: uuid(g.id, `groups[${i}].id`),
        displayName,
        externalId: g.externalId.trim(),
        accountId: uuid(g.accountId, `groups[${i}].accountId`, false),
      };
    }),
    memberships: input.memberships.map((m, i) => ({
      groupId: uuid(m.groupId, `memberships[${i}].groupId`),
      userId: uuid(m.userId, `memberships[${i}].userId`),
    })),
  };
}

/** The row a user of the import becomes (MANUAL; R1 display name derivation; phones kept plus E.164). */
export function userRow(
  user: ImportUserInput,
  seatId: string | null,
  phoneRegion?: string | null,
): ImportUserRow {
  const name = user.name ?? { formatted: "", givenName: "", familyName: "" };
  const { displayName } = deriveDisplayName(user.displayName, name, user.userName);
  return {
    id: user.id,
    user_name: user.userName,
    display_name: displayName,
    external_id: user.externalId.trim() || null,
    title: user.title.trim() || null,
    active: user.active ?? true,
    name_formatted: name.formatted || null,
    name_given_name: name.givenName || null,
    name_family_name: name.familyName || null,
    emails: user.emails.map((e) => ({ value: e.value, type: e.type, primary: e.primary })),
    phone_numbers: user.phoneNumbers.map((p) => {
      const e164 = toE164(p.value, phoneRegion);
      return e164
        ? { value: p.value, type: p.type, primary: p.primary, e164 }
        : { value: p.value, type: p.type, primary: p.primary };
    }),
    locale: user.locale.trim() || null,
    role: user.role === "ADMIN" ? "ADMIN" : "MEMBER",
    seat_id: seatId,
  };
}
