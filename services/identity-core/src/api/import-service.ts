import type { ServiceImpl } from "@connectrpc/connect";
import type {
  ImportAccount,
  ImportGroup,
  ImportMembership,
  ImportService,
  ImportUser,
} from "@cosafe/proto/identity";
import { callContextOf } from "@cosafe/rpc";
import type { ImportCommands } from "../domain/import/import-commands.js";
import type { ImportInput } from "../domain/import/import-input.js";

/** Conflicts returned in one PlanImport answer; conflict_count has them all. */
const MAX_CONFLICTS = 100;

function toInput(req: {
  accounts: ImportAccount[];
  users: ImportUser[];
  groups: ImportGroup[];
  memberships?: ImportMembership[];
}): ImportInput {
  return {
    accounts: req.accounts.map((a) => ({
      id: a.id,
      parentAccountId: a.parentAccountId,
      displayName: a.displayName,
    })),
    users: req.users.map((u) => ({
      id: u.id,
      userName: u.userName,
      displayName: u.displayName,
      externalId: u.externalId,
      title: u.title,
      active: u.active,
      name: u.name
        ? { formatted: u.name.formatted, givenName: u.name.givenName, familyName: u.name.familyName }
        : undefined,
      emails: u.emails.map((e) => ({ value: e.value, type: e.type, primary: e.primary })),
      phoneNumbers: u.phoneNumbers.map((p) => ({ value: p.value, type: p.type, primary: p.primary })),
      locale: u.locale,
      role: u.role,
      accountIds: [...u.accountIds],
    })),
    groups: req.groups.map((g) => ({
      id: g.id,
      displayName: g.displayName,
      externalId: g.externalId,
      accountId: g.accountId,
    })),
    memberships: (req.memberships ?? []).map((m) => ({ groupId: m.groupId, userId: m.userId })),
  };
}

/** cosafe.identity.v1.ImportService: import of existing Cosafe data (issue 7). */
export function importService(deps: { imports: ImportCommands }): ServiceImpl<typeof ImportService> {
  return {
    async planImport(req, ctx) {
      const plan = await deps.imports.plan(callContextOf(ctx), req.tenantId, toInput(req));
      return {
        ...plan,
        conflicts: plan.conflicts.slice(0, MAX_CONFLICTS),
        conflictCount: plan.conflicts.length,
      };
    },
    async importBatch(req, ctx) {
      return deps.imports.batch(callContextOf(ctx), req.tenantId, toInput(req));
    },
  };
}
