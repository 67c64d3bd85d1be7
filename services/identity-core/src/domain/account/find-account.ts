import { isUuid } from "@cosafe/storage";
import type { EntityManager } from "@mikro-orm/postgresql";
import { type Account, AccountSchema } from "../../storage/entities.js";
import { notFound } from "../domain-error.js";

/** Loads an account of the tenant or fails with NOT_FOUND. */
export async function findAccount(em: EntityManager, tenantId: string, accountId: string): Promise<Account> {
  const account = isUuid(accountId) ? await em.findOne(AccountSchema, { id: accountId, tenantId }) : null;
  if (!account) throw notFound("ACCOUNT_NOT_FOUND", `account ${accountId} not found`);
  return account;
}
