import {
  type Account,
  AccountSchema,
  DisableScimResponseSchema,
  type Tenant,
  TenantSchema,
} from "@cosafe/proto/identity";
import { parseCount, stringOption, UsageError } from "../args.js";
import type { Command, CommandContext, CommandGroup } from "../command.js";
import { CommandFailure } from "../errors.js";
import { formatTime } from "../output.js";
import { collectPages } from "../paging.js";
import { dateOf, getTenant, messageJson, pageSizeOption, tenantArg } from "./shared.js";

/** Every account of a tenant, paged. */
export async function listAllAccounts(ctx: CommandContext, tenantId: string, pageSize = 1000) {
  return collectPages(ctx.out, "accounts", async (pageToken) => {
    const page = await ctx.clients.accounts.listAccounts({ tenantId, pageSize, pageToken }, ctx.call);
    return { items: page.accounts, nextPageToken: page.nextPageToken, total: page.totalSize };
  });
}

/** The account SCIM lands users and groups in (R15): the setting, or the main account. */
export function effectiveDefaultAccountId(tenant: Tenant): string {
  return tenant.settings?.defaultAccountId || tenant.mainAccountId;
}

function accountLabel(id: string, accounts: readonly Account[]): string {
  const account = accounts.find((a) => a.id === id);
  return account ? `${id} (${account.displayName})` : id;
}

const create: Command = {
  words: ["tenant", "create"],
  summary: "create a tenant and its main account",
  description:
    "Creates a Cosafe customer with its main account. The new tenant has a seat limit of 0 and no\n" +
    "SCIM token: set a limit with `seats set-limit` and issue a token with `token issue`.",
  positionals: [{ name: "name", description: "the customer's name" }],
  options: [
    {
      name: "main-account",
      type: "string",
      value: "NAME",
      description: "name of the main account (default: the tenant's name)",
    },
  ],
  examples: [
    'cosafe tenant create "Acme Corp"',
    'cosafe tenant create "Acme Corp" --json | jq -r .tenant.id',
  ],
  async run(ctx, { positionals, options }) {
    const [name] = positionals as [string];
    const { tenant } = await ctx.clients.tenants.createTenant(
      { displayName: name, mainAccountDisplayName: stringOption(options, "main-account") ?? "" },
      ctx.call,
    );
    if (!tenant) throw new CommandFailure("identity-core created no tenant");
    ctx.out.result({ tenant: messageJson(TenantSchema, tenant), mainAccountId: tenant.mainAccountId }, () => {
      ctx.out.line(`Created tenant ${tenant.id}`);
      ctx.out.fields([
        ["  name", tenant.displayName],
        ["  main account", tenant.mainAccountId],
      ]);
      ctx.out.line();
      ctx.out.line("Next:");
      ctx.out.line(`  cosafe seats set-limit ${tenant.id} <seats>`);
      ctx.out.line(`  cosafe token issue ${tenant.id} --name "Entra ID"`);
    });
  },
};

const list: Command = {
  words: ["tenant", "list"],
  summary: "list every tenant, oldest first",
  positionals: [],
  options: [pageSizeOption],
  async run(ctx, { options }) {
    const pageSize = parseCount(
      stringOption(options, "page-size") ?? "200",
      "--page-size",
      ["tenant", "list"],
      1000,
    );
    const tenants = await collectPages(ctx.out, "tenants", async (pageToken) => {
      const page = await ctx.clients.tenants.listTenants({ pageSize, pageToken }, ctx.call);
      return { items: page.tenants, nextPageToken: page.nextPageToken, total: page.totalSize };
    });
    ctx.out.result({ tenants: tenants.map((t) => messageJson(TenantSchema, t)) }, () =>
      ctx.out.table(
        [
          { header: "ID", value: (t: Tenant) => t.id },
          { header: "NAME", value: (t) => t.displayName },
          { header: "MAIN ACCOUNT", value: (t) => t.mainAccountId },
          {
            header: "DEFAULT ACCOUNT",
            value: (t) =>
              effectiveDefaultAccountId(t) === t.mainAccountId ? "(main)" : effectiveDefaultAccountId(t),
          },
          { header: "CREATED", value: (t) => formatTime(dateOf(t.createTime)) },
        ],
        tenants,
        "(no tenants)",
      ),
    );
  },
};

const show: Command = {
  words: ["tenant", "show"],
  summary: "show a tenant, its accounts and settings",
  positionals: [tenantArg],
  options: [],
  async run(ctx, { positionals }) {
    const [tenantId] = positionals as [string];
    const tenant = await getTenant(ctx, tenantId);
    const accounts = await listAllAccounts(ctx, tenantId);
    const defaultAccountId = effectiveDefaultAccountId(tenant);
    const lastGroup = tenant.settings?.deprovisionOnLastGroupRemoval ?? true;
    ctx.out.result(
      {
        tenant: messageJson(TenantSchema, tenant),
        defaultAccountId,
        accounts: accounts.map((a) => messageJson(AccountSchema, a)),
      },
      () =>
        ctx.out.fields([
          ["id", tenant.id],
          ["name", tenant.displayName],
          ["main account", accountLabel(tenant.mainAccountId, accounts)],
          [
            "default account",
            defaultAccountId === tenant.mainAccountId
              ? "the main account"
              : accountLabel(defaultAccountId, accounts),
          ],
          ["accounts", String(accounts.length)],
          ["last SCIM group removed", lastGroup ? "deprovisions the user (R7)" : "keeps the user (R7 off)"],
          [
            "phone region",
            tenant.settings?.defaultPhoneRegion || "none (only international numbers are normalised)",
          ],
          ["SCIM provisioning", pauseLabel(tenant)],
          ["created", formatTime(dateOf(tenant.createTime))],
          ["updated", formatTime(dateOf(tenant.updateTime))],
        ]),
    );
  },
};

const setDefaultAccount: Command = {
  words: ["tenant", "set-default-account"],
  summary: "set the account where SCIM-created users and groups land (R15)",
  positionals: [tenantArg, { name: "account", description: "account id of that tenant" }],
  options: [],
  async run(ctx, { positionals }) {
    const [tenantId, accountId] = positionals as [string, string];
    const before = await getTenant(ctx, tenantId);
    const { account } = await ctx.clients.accounts.getAccount({ tenantId, accountId }, ctx.call);
    const { tenant } = await ctx.clients.tenants.updateTenant(
      {
        tenant: { id: tenantId, settings: { defaultAccountId: accountId } },
        updateMask: { paths: ["settings.default_account_id"] },
        etag: before.etag,
      },
      ctx.call,
    );
    if (!tenant) throw new CommandFailure("identity-core returned no tenant");
    const previous = effectiveDefaultAccountId(before);
    ctx.out.result({ tenant: messageJson(TenantSchema, tenant), previousDefaultAccountId: previous }, () =>
      ctx.out.line(
        `Default account of ${tenant.displayName} (${tenant.id}) is now ${accountId}` +
          `${account ? ` (${account.displayName})` : ""}; was ${previous}.`,
      ),
    );
  },
};

const setPhoneRegion: Command = {
  words: ["tenant", "set-phone-region"],
  summary: "set the region of phone numbers sent without a country code (R2), or none",
  description:
    'With region US, "(555) 555-0100" gets the E.164 form +15555550100; with none (the default)\n' +
    "only international numbers (+…, 00…) are normalised. Numbers are always kept as sent too.",
  positionals: [
    tenantArg,
    { name: "region", description: 'ISO 3166-1 alpha-2 region (e.g. US, SE, GB), or "none"' },
  ],
  options: [],
  async run(ctx, { positionals }) {
    const [tenantId, region] = positionals as [string, string];
    const defaultPhoneRegion = region.toLowerCase() === "none" ? "" : region;
    const before = await getTenant(ctx, tenantId);
    const { tenant } = await ctx.clients.tenants.updateTenant(
      {
        tenant: { id: tenantId, settings: { defaultPhoneRegion } },
        updateMask: { paths: ["settings.default_phone_region"] },
        etag: before.etag,
      },
      ctx.call,
    );
    if (!tenant) throw new CommandFailure("identity-core returned no tenant");
    const was = before.settings?.defaultPhoneRegion || "none";
    const now = tenant.settings?.defaultPhoneRegion || "none";
    ctx.out.result({ tenant: messageJson(TenantSchema, tenant), previousDefaultPhoneRegion: was }, () =>
      ctx.out.line(`Default phone region of ${tenant.displayName} (${tenant.id}) is now ${now}; was ${was}.`),
    );
  },
};

function pauseLabel(tenant: Tenant): string {
  const pause = tenant.scimPause;
  if (!pause) return "running";
  const reason = pause.reason ? `: ${pause.reason}` : "";
  return `PAUSED since ${formatTime(dateOf(pause.pauseTime))} by ${pause.pausedBy}${reason}`;
}

const pause: Command = {
  words: ["tenant", "pause"],
  summary: "pause SCIM provisioning of a tenant (503 + Retry-After)",
  description:
    "Every SCIM request of the tenant then answers 503 with Retry-After and a detail saying that\n" +
    "provisioning is paused by Cosafe support; identity providers retry on their own, nothing is\n" +
    "lost. Takes effect on every SCIM facade within 5 seconds (the token cache). Pausing a paused\n" +
    "tenant keeps the first pause. Undo with `tenant resume`.",
  positionals: [tenantArg],
  options: [
    { name: "reason", type: "string", value: "TEXT", description: "why (audited, shown by `tenant show`)" },
  ],
  examples: ['cosafe tenant pause <tenant> --reason "scoping filter removed by mistake, ticket 4711"'],
  async run(ctx, { positionals, options }) {
    const [tenantId] = positionals as [string];
    await getTenant(ctx, tenantId);
    const { tenant, changed } = await ctx.clients.tenants.pauseScim(
      { tenantId, reason: stringOption(options, "reason") ?? "" },
      ctx.call,
    );
    if (!tenant) throw new CommandFailure("identity-core returned no tenant");
    ctx.out.result({ tenant: messageJson(TenantSchema, tenant), changed }, () => {
      ctx.out.line(
        changed
          ? `Paused SCIM provisioning of ${tenant.displayName} (${tenant.id}); every SCIM facade answers 503 within 5 seconds.`
          : `SCIM provisioning of ${tenant.displayName} (${tenant.id}) was already paused; nothing changed.`,
      );
      ctx.out.fields([["  state", pauseLabel(tenant)]]);
    });
  },
};

const resume: Command = {
  words: ["tenant", "resume"],
  summary: "resume SCIM provisioning of a paused tenant",
  description:
    "The identity provider's retries succeed by themselves within 5 seconds (the facade's token\n" +
    "cache). Resuming a tenant that is not paused changes nothing.",
  positionals: [tenantArg],
  options: [],
  examples: ["cosafe tenant resume <tenant>"],
  async run(ctx, { positionals }) {
    const [tenantId] = positionals as [string];
    await getTenant(ctx, tenantId);
    const { tenant, changed } = await ctx.clients.tenants.resumeScim({ tenantId }, ctx.call);
    if (!tenant) throw new CommandFailure("identity-core returned no tenant");
    ctx.out.result({ tenant: messageJson(TenantSchema, tenant), changed }, () =>
      ctx.out.line(
        changed
          ? `Resumed SCIM provisioning of ${tenant.displayName} (${tenant.id}); requests pass again within 5 seconds.`
          : `SCIM provisioning of ${tenant.displayName} (${tenant.id}) was not paused; nothing changed.`,
      ),
    );
  },
};

const disableScim: Command = {
  words: ["tenant", "disable-scim"],
  summary: "switch SCIM off: revoke every token, make every user and group manual",
  description:
    "In one audited transaction: every SCIM token of the tenant is revoked (refused within 5\n" +
    "seconds), every SCIM-managed user becomes MANUAL, every SCIM-linked group is unlinked and its\n" +
    "memberships become MANUAL (memberships of deprovisioned users are removed). Nobody is\n" +
    "deprovisioned. Undone only by issuing a new token and the identity provider writing again,\n" +
    "which adopts users and links groups per R11/R12. Needs --yes.",
  positionals: [tenantArg],
  options: [
    { name: "yes", type: "boolean", description: "confirm: this revokes every SCIM token of the tenant" },
  ],
  examples: ["cosafe tenant disable-scim <tenant> --yes"],
  async run(ctx, { positionals, options }) {
    const [tenantId] = positionals as [string];
    if (options.yes !== true)
      throw new UsageError(
        "tenant disable-scim revokes every OAuth client and SCIM token of the tenant and makes everything manual; add --yes",
        ["tenant", "disable-scim"],
      );
    const tenant = await getTenant(ctx, tenantId);
    const out = await ctx.clients.tenants.disableScim({ tenantId }, ctx.call);
    ctx.out.result({ tenantId, result: messageJson(DisableScimResponseSchema, out) }, () => {
      ctx.out.line(`Switched SCIM off for ${tenant.displayName} (${tenant.id}):`);
      ctx.out.fields([
        ["  tokens revoked", String(out.tokensRevoked)],
        ["  users made manual", String(out.usersUnadopted)],
        ["  groups unlinked", String(out.groupsUnlinked)],
        ["  memberships made manual", String(out.membershipsConverted)],
        ["  dormant memberships removed", String(out.dormantMembershipsRemoved)],
      ]);
      ctx.out.line("To switch it on again: `cosafe token issue` and let the identity provider write.");
    });
  },
};

export const tenantCommands: CommandGroup = {
  name: "tenant",
  summary: "create, list and inspect tenants; set the default account; pause, resume or switch off SCIM",
  commands: [create, list, show, setDefaultAccount, setPhoneRegion, pause, resume, disableScim],
};
