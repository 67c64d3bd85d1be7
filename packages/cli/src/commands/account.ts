import { type Account, AccountSchema } from "@cosafe/proto/identity";
import { stringOption } from "../args.js";
import type { Command, CommandGroup } from "../command.js";
import { CommandFailure } from "../errors.js";
import { formatTime } from "../output.js";
import { dateOf, getTenant, messageJson, tenantArg } from "./shared.js";
import { effectiveDefaultAccountId, listAllAccounts } from "./tenant.js";

const create: Command = {
  words: ["account", "create"],
  summary: "create a sub-account",
  positionals: [tenantArg, { name: "name", description: "the account's name" }],
  options: [
    {
      name: "parent",
      type: "string",
      value: "ACCOUNT",
      description: "parent account id (default: the tenant's main account)",
    },
  ],
  examples: [
    'cosafe account create <tenant> "Berlin office"',
    'cosafe account create <tenant> "Ops" --parent <id>',
  ],
  async run(ctx, { positionals, options }) {
    const [tenantId, name] = positionals as [string, string];
    const parentAccountId = stringOption(options, "parent") ?? (await getTenant(ctx, tenantId)).mainAccountId;
    const { account } = await ctx.clients.accounts.createAccount(
      { tenantId, parentAccountId, displayName: name },
      ctx.call,
    );
    if (!account) throw new CommandFailure("identity-core created no account");
    ctx.out.result({ account: messageJson(AccountSchema, account) }, () => {
      ctx.out.line(`Created account ${account.id}`);
      ctx.out.fields([
        ["  name", account.displayName],
        ["  parent", account.parentAccountId],
        ["  tenant", account.tenantId],
      ]);
    });
  },
};

/** Accounts in tree order (parents before children), each with its depth. */
function treeOrder(accounts: readonly Account[]): { account: Account; depth: number }[] {
  const ids = new Set(accounts.map((a) => a.id));
  const children = new Map<string, Account[]>();
  for (const account of accounts) {
    const parent = account.parentAccountId && ids.has(account.parentAccountId) ? account.parentAccountId : "";
    children.set(parent, [...(children.get(parent) ?? []), account]);
  }
  const result: { account: Account; depth: number }[] = [];
  const visit = (parent: string, depth: number) => {
    const sorted = [...(children.get(parent) ?? [])].sort((a, b) =>
      a.displayName.localeCompare(b.displayName),
    );
    for (const account of sorted) {
      result.push({ account, depth });
      visit(account.id, depth + 1);
    }
  };
  visit("", 0);
  return result;
}

const list: Command = {
  words: ["account", "list"],
  summary: "list a tenant's accounts as a tree",
  positionals: [tenantArg],
  options: [],
  async run(ctx, { positionals }) {
    const [tenantId] = positionals as [string];
    const tenant = await getTenant(ctx, tenantId);
    const accounts = await listAllAccounts(ctx, tenantId);
    const defaultAccountId = effectiveDefaultAccountId(tenant);
    const notes = (a: Account) =>
      [a.id === tenant.mainAccountId ? "main" : "", a.id === defaultAccountId ? "default" : ""]
        .filter(Boolean)
        .join(", ");
    ctx.out.result(
      {
        accounts: accounts.map((a) => messageJson(AccountSchema, a)),
        mainAccountId: tenant.mainAccountId,
        defaultAccountId,
      },
      () =>
        ctx.out.table(
          [
            {
              header: "NAME",
              value: (r: { account: Account; depth: number }) =>
                `${"  ".repeat(r.depth)}${r.account.displayName}`,
            },
            { header: "ID", value: (r) => r.account.id },
            { header: "NOTES", value: (r) => notes(r.account) },
            { header: "CREATED", value: (r) => formatTime(dateOf(r.account.createTime)) },
          ],
          treeOrder(accounts),
          "(no accounts)",
        ),
    );
  },
};

export const accountCommands: CommandGroup = {
  name: "account",
  summary: "create and list a tenant's accounts",
  commands: [create, list],
};
