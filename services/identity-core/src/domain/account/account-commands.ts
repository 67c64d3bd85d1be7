import { randomUUID } from "node:crypto";
import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { isUuid } from "@cosafe/storage";
import type { MikroORM } from "@mikro-orm/postgresql";
import { type Account, AccountSchema } from "../../storage/entities.js";
import { pgArray } from "../../storage/sql/pg-array.js";
import { requireTenantAccess } from "../access.js";
import { recordAudit } from "../audit/record-audit.js";
import { DomainError, invalidArgument } from "../domain-error.js";
import type { PageRequest } from "../page.js";
import { findTenant } from "../tenant/find-tenant.js";
import { findAccount } from "./find-account.js";

const admins = [Role.ADMIN, Role.SUPPORT, Role.SYSTEM] as const;

/** The account tree of a tenant and who is in each account (administrators; R15, R16). */
export class AccountCommands {
  constructor(private readonly orm: MikroORM) {}

  async create(
    call: CallContext,
    tenantId: string,
    parentAccountId: string,
    displayName: string,
  ): Promise<Account> {
    requireTenantAccess(call, tenantId, admins);
    const name = displayName.trim();
    if (!name) throw invalidArgument("DISPLAY_NAME_REQUIRED", "an account needs a display_name");
    return this.orm.em.fork().transactional(async (em) => {
      const tenant = await findTenant(em, tenantId);
      const parent = await findAccount(em, tenantId, parentAccountId || tenant.mainAccountId || "");
      const account = em.create(AccountSchema, {
        id: randomUUID(),
        tenantId,
        parentAccountId: parent.id,
        displayName: name,
      });
      recordAudit(em, call, {
        tenantId,
        action: "account.created",
        targetType: "account",
        targetId: account.id,
        after: { displayName: name, parentAccountId: parent.id },
      });
      return account;
    });
  }

  async get(call: CallContext, tenantId: string, accountId: string): Promise<Account> {
    requireTenantAccess(call, tenantId, admins);
    return findAccount(this.orm.em.fork(), tenantId, accountId);
  }

  async list(call: CallContext, tenantId: string, page: PageRequest): Promise<[Account[], number]> {
    requireTenantAccess(call, tenantId, admins);
    return this.orm.em
      .fork()
      .findAndCount(
        AccountSchema,
        { tenantId },
        { orderBy: { createdAt: "asc", id: "asc" }, offset: page.offset, limit: page.limit },
      );
  }

  async rename(
    call: CallContext,
    tenantId: string,
    accountId: string,
    displayName: string,
    etag?: string,
  ): Promise<Account> {
    requireTenantAccess(call, tenantId, admins);
    const name = displayName.trim();
    if (!name) throw invalidArgument("DISPLAY_NAME_REQUIRED", "an account needs a display_name");
    return this.orm.em.fork().transactional(async (em) => {
      const account = await findAccount(em, tenantId, accountId);
      if (etag && etag !== String(account.version)) {
        throw new DomainError("ABORTED", "ETAG_MISMATCH", `account ${accountId} has changed`);
      }
      const before = account.displayName;
      account.displayName = name;
      recordAudit(em, call, {
        tenantId,
        action: "account.renamed",
        targetType: "account",
        targetId: account.id,
        before: { displayName: before },
        after: { displayName: name },
      });
      return account;
    });
  }

  /** Deletes an empty sub-account; the main and the default account cannot go. Deleting a missing account succeeds. */
  async delete(call: CallContext, tenantId: string, accountId: string): Promise<void> {
    requireTenantAccess(call, tenantId, admins);
    await this.orm.em.fork().transactional(async (em) => {
      const tenant = await findTenant(em, tenantId);
      const account = isUuid(accountId) ? await em.findOne(AccountSchema, { id: accountId, tenantId }) : null;
      if (!account) return;
      if (account.id === tenant.mainAccountId || account.id === tenant.defaultAccountId) {
        throw new DomainError(
          "FAILED_PRECONDITION",
          "ACCOUNT_IN_USE",
          "the main account and the default account cannot be deleted",
        );
      }
      const [{ used }] = (await em.execute(
        `select (exists (select 1 from identity.account where parent_account_id = ?)
              or exists (select 1 from identity.app_group where account_id = ? and deleted_at is null)) as used`,
        [account.id, account.id],
      )) as [{ used: boolean }];
      if (used) {
        throw new DomainError(
          "FAILED_PRECONDITION",
          "ACCOUNT_IN_USE",
          "the account still has sub-accounts or groups",
        );
      }
      // Tombstones of groups deleted in the admin panel (R18) outlive the account: they move to
      // the main account, where they keep answering the IdP until they are purged.
      await em.execute(
        "update identity.app_group set account_id = ? where account_id = ? and deleted_at is not null",
        [tenant.mainAccountId, account.id],
      );
      await em.execute("delete from identity.account_membership where account_id = ?", [account.id]);
      em.remove(account);
      recordAudit(em, call, {
        tenantId,
        action: "account.deleted",
        targetType: "account",
        targetId: account.id,
      });
    });
  }

  async addMembers(
    call: CallContext,
    tenantId: string,
    accountId: string,
    userIds: readonly string[],
  ): Promise<void> {
    requireTenantAccess(call, tenantId, admins);
    await this.orm.em.fork().transactional(async (em) => {
      await findAccount(em, tenantId, accountId);
      const ids = [...new Set(userIds)].filter(isUuid);
      const rows = (await em.execute(
        `insert into identity.account_membership (account_id, user_id, tenant_id)
         select ?::uuid, u.id, u.tenant_id from identity.app_user u
          where u.tenant_id = ? and u.id = any(?::uuid[]) and u.state = 'PROVISIONED'
         on conflict do nothing returning user_id`,
        [accountId, tenantId, pgArray(ids)],
      )) as { user_id: string }[];
      if (rows.length > 0) {
        recordAudit(em, call, {
          tenantId,
          action: "account.members_added",
          targetType: "account",
          targetId: accountId,
          after: { userIds: rows.map((r) => r.user_id) },
        });
      }
    });
  }

  async removeMembers(
    call: CallContext,
    tenantId: string,
    accountId: string,
    userIds: readonly string[],
  ): Promise<void> {
    requireTenantAccess(call, tenantId, admins);
    await this.orm.em.fork().transactional(async (em) => {
      await findAccount(em, tenantId, accountId);
      const rows = (await em.execute(
        "delete from identity.account_membership where account_id = ? and user_id = any(?::uuid[]) returning user_id",
        [accountId, pgArray([...new Set(userIds)].filter(isUuid))],
      )) as { user_id: string }[];
      if (rows.length > 0) {
        recordAudit(em, call, {
          tenantId,
          action: "account.members_removed",
          targetType: "account",
          targetId: accountId,
          before: { userIds: rows.map((r) => r.user_id) },
        });
      }
    });
  }

  async members(call: CallContext, tenantId: string, accountId: string, page: PageRequest) {
    requireTenantAccess(call, tenantId, admins);
    const em = this.orm.em.fork();
    await findAccount(em, tenantId, accountId);
    const [{ total }] = (await em.execute(
      "select count(*)::int as total from identity.account_membership where account_id = ?",
      [accountId],
    )) as [{ total: number }];
    const rows = (await em.execute(
      "select user_id from identity.account_membership where account_id = ? order by user_id limit ? offset ?",
      [accountId, page.limit, page.offset],
    )) as { user_id: string }[];
    return { userIds: rows.map((r) => r.user_id), total };
  }
}
