import type { EntityManager } from "@mikro-orm/postgresql";
import { pgArray } from "../../storage/sql/pg-array.js";
import type { ImportAccountInput, ImportGroupInput, ImportUserInput } from "./import-input.js";

export interface ImportConflict {
  kind: "account" | "user" | "group";
  id: string;
  conflict: string;
  message: string;
}

/** What is stored already, and what would refuse the import. */
export interface ImportSurvey {
  existingAccounts: Set<string>;
  existingUsers: Set<string>;
  existingGroups: Set<string>;
  conflicts: ImportConflict[];
}

function duplicates<T>(items: readonly T[], key: (item: T) => string): Set<string> {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (!k) continue;
    if (seen.has(k)) twice.add(k);
    seen.add(k);
  }
  return twice;
}

/**
 * Reads which accounts, users and groups of an import exist in the tenant already and
 * which would conflict: ids held by another tenant, a user stored under another userName,
 * a userName or group externalId held by another id (R1, R13), deleted groups, parents that
 * are neither stored nor earlier in the import, and ids or userNames given twice. Reads only,
 * with one statement per kind.
 */
export async function surveyImport(
  em: EntityManager,
  tenantId: string,
  input: { accounts: ImportAccountInput[]; users: ImportUserInput[]; groups: ImportGroupInput[] },
): Promise<ImportSurvey> {
  const conflicts: ImportConflict[] = [];

  // Accounts.
  const accountIds = input.accounts.map((a) => a.id);
  const parentIds = input.accounts.map((a) => a.parentAccountId).filter(Boolean);
  const accountRows = (await em.execute(
    "select id, tenant_id from identity.account where id = any(?::uuid[])",
    [pgArray([...new Set([...accountIds, ...parentIds])])],
  )) as { id: string; tenant_id: string }[];
  const storedAccounts = new Map(accountRows.map((r) => [r.id, r.tenant_id]));
  const existingAccounts = new Set<string>();
  const known = new Set<string>();
  for (const id of duplicates(input.accounts, (a) => a.id))
    conflicts.push({
      kind: "account",
      id,
      conflict: "DUPLICATE_IN_IMPORT",
      message: `account ${id} is given twice`,
    });
  for (const account of input.accounts) {
    const owner = storedAccounts.get(account.id);
    if (owner && owner !== tenantId) {
      conflicts.push({
        kind: "account",
        id: account.id,
        conflict: "ACCOUNT_ID_TAKEN",
        message: `account id ${account.id} belongs to another tenant`,
      });
    } else if (owner) existingAccounts.add(account.id);
    const parent = account.parentAccountId;
    if (!owner && parent && !known.has(parent) && storedAccounts.get(parent) !== tenantId) {
      conflicts.push({
        kind: "account",
        id: account.id,
        conflict: "ACCOUNT_PARENT_UNKNOWN",
        message: `parent account ${parent} of account ${account.id} is neither stored in the tenant nor earlier in the import`,
      });
    }
    known.add(account.id);
  }

  // Users.
  const userRows = (await em.execute(
    `select id, tenant_id, user_name from identity.app_user
      where id = any(?::uuid[]) or (tenant_id = ? and lower(user_name) = any(?::text[]))`,
    [
      pgArray(input.users.map((u) => u.id)),
      tenantId,
      pgArray(input.users.map((u) => u.userName.toLowerCase())),
    ],
  )) as { id: string; tenant_id: string; user_name: string }[];
  const usersById = new Map(userRows.map((r) => [r.id, r]));
  const usersByName = new Map(
    userRows.filter((r) => r.tenant_id === tenantId).map((r) => [r.user_name.toLowerCase(), r]),
  );
  const existingUsers = new Set<string>();
  for (const id of duplicates(input.users, (u) => u.id))
    conflicts.push({
      kind: "user",
      id,
      conflict: "DUPLICATE_IN_IMPORT",
      message: `user ${id} is given twice`,
    });
  for (const name of duplicates(input.users, (u) => u.userName.toLowerCase())) {
    const id = input.users.find((u) => u.userName.toLowerCase() === name)?.id ?? "";
    conflicts.push({
      kind: "user",
      id,
      conflict: "DUPLICATE_IN_IMPORT",
      message: `userName "${name}" is given to more than one user (compared case-insensitively)`,
    });
  }
  for (const user of input.users) {
    const stored = usersById.get(user.id);
    const holder = usersByName.get(user.userName.toLowerCase());
    if (stored && stored.tenant_id !== tenantId) {
      conflicts.push({
        kind: "user",
        id: user.id,
        conflict: "USER_ID_TAKEN",
        message: `user id ${user.id} belongs to another tenant`,
      });
    } else if (stored && stored.user_name.toLowerCase() !== user.userName.toLowerCase()) {
      conflicts.push({
        kind: "user",
        id: user.id,
        conflict: "USER_NAME_MISMATCH",
        message: `user ${user.id} exists with userName "${stored.user_name}", the import says "${user.userName}"`,
      });
    } else if (stored) existingUsers.add(user.id);
    else if (holder && holder.id !== user.id) {
      conflicts.push({
        kind: "user",
        id: user.id,
        conflict: "USER_NAME_TAKEN",
        message: `userName "${user.userName}" is held by user ${holder.id}`,
      });
    }
  }

  // Groups.
  const externalIds = input.groups.map((g) => g.externalId).filter(Boolean);
  const groupRows = (await em.execute(
    `select id, tenant_id, external_id, deleted_at is not null as deleted from identity.app_group
      where id = any(?::uuid[]) or (tenant_id = ? and external_id = any(?::text[]) and deleted_at is null)`,
    [pgArray(input.groups.map((g) => g.id)), tenantId, pgArray(externalIds)],
  )) as { id: string; tenant_id: string; external_id: string | null; deleted: boolean }[];
  const groupsById = new Map(groupRows.map((r) => [r.id, r]));
  const groupsByExternalId = new Map(
    groupRows
      .filter((r) => r.tenant_id === tenantId && !r.deleted && r.external_id)
      .map((r) => [r.external_id as string, r]),
  );
  const existingGroups = new Set<string>();
  for (const id of duplicates(input.groups, (g) => g.id))
    conflicts.push({
      kind: "group",
      id,
      conflict: "DUPLICATE_IN_IMPORT",
      message: `group ${id} is given twice`,
    });
  for (const externalId of duplicates(input.groups, (g) => g.externalId)) {
    const id = input.groups.find((g) => g.externalId === externalId)?.id ?? "";
    conflicts.push({
      kind: "group",
      id,
      conflict: "DUPLICATE_IN_IMPORT",
      message: `externalId "${externalId}" is given to more than one group`,
    });
  }
  for (const group of input.groups) {
    const stored = groupsById.get(group.id);
    const holder = group.externalId ? groupsByExternalId.get(group.externalId) : undefined;
    if (stored && stored.tenant_id !== tenantId) {
      conflicts.push({
        kind: "group",
        id: group.id,
        conflict: "GROUP_ID_TAKEN",
        message: `group id ${group.id} belongs to another tenant`,
      });
    } else if (stored?.deleted) {
      conflicts.push({
        kind: "group",
        id: group.id,
        conflict: "GROUP_DELETED",
        message: `group ${group.id} was deleted in the admin panel`,
      });
    } else if (stored) existingGroups.add(group.id);
    else if (holder && holder.id !== group.id) {
      conflicts.push({
        kind: "group",
        id: group.id,
        conflict: "GROUP_EXTERNAL_ID_TAKEN",
        message: `externalId "${group.externalId}" is held by group ${holder.id}`,
      });
    }
  }

  return { existingAccounts, existingUsers, existingGroups, conflicts };
}
