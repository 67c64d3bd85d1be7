import type { ServiceImpl } from "@connectrpc/connect";
import type { AccountService } from "@cosafe/proto/identity";
import { callContextOf } from "@cosafe/rpc";
import type { AccountCommands } from "../domain/account/account-commands.js";
import { nextPageToken, pageRequest } from "../domain/page.js";
import { toAccountMessage } from "./convert/account-convert.js";
import { required } from "./required.js";

/** cosafe.identity.v1.AccountService. */
export function accountService(deps: { accounts: AccountCommands }): ServiceImpl<typeof AccountService> {
  return {
    async createAccount(req, ctx) {
      const account = await deps.accounts.create(
        callContextOf(ctx),
        req.tenantId,
        req.parentAccountId,
        req.displayName,
      );
      return { account: toAccountMessage(account) };
    },
    async getAccount(req, ctx) {
      return {
        account: toAccountMessage(await deps.accounts.get(callContextOf(ctx), req.tenantId, req.accountId)),
      };
    },
    async listAccounts(req, ctx) {
      const page = pageRequest({ ...req, skip: 0 }, { max: 1000, defaultSize: 100 });
      const [accounts, total] = await deps.accounts.list(callContextOf(ctx), req.tenantId, page);
      return {
        accounts: accounts.map(toAccountMessage),
        totalSize: total,
        nextPageToken: nextPageToken(page, accounts.length, total),
      };
    },
    async updateAccount(req, ctx) {
      const input = required(req.account, "account");
      const account = await deps.accounts.rename(
        callContextOf(ctx),
        req.tenantId,
        input.id,
        input.displayName,
        req.etag || undefined,
      );
      return { account: toAccountMessage(account) };
    },
    async deleteAccount(req, ctx) {
      await deps.accounts.delete(callContextOf(ctx), req.tenantId, req.accountId);
      return {};
    },
    async addAccountMembers(req, ctx) {
      await deps.accounts.addMembers(callContextOf(ctx), req.tenantId, req.accountId, req.userIds);
      return {};
    },
    async removeAccountMembers(req, ctx) {
      await deps.accounts.removeMembers(callContextOf(ctx), req.tenantId, req.accountId, req.userIds);
      return {};
    },
    async listAccountMembers(req, ctx) {
      const page = pageRequest({ ...req, skip: 0 }, { max: 10_000, defaultSize: 1000 });
      const { userIds, total } = await deps.accounts.members(
        callContextOf(ctx),
        req.tenantId,
        req.accountId,
        page,
      );
      return { userIds, totalSize: total, nextPageToken: nextPageToken(page, userIds.length, total) };
    },
  };
}
