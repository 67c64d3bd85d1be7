import {
  DiscardHeldDeprovisionsResponseSchema,
  type GetDeprovisionBrakeResponse,
  GetDeprovisionBrakeResponseSchema,
  type HeldDeprovision,
  HeldDeprovisionSchema,
  ReleaseHeldDeprovisionsResponseSchema,
  type Tenant,
} from "@cosafe/proto/identity";
import { parseCount, parseDuration, stringOption, UsageError } from "../args.js";
import type { Command, CommandGroup } from "../command.js";
import { formatTime } from "../output.js";
import { dateOf, getTenant, messageJson, tenantArg } from "./shared.js";

/** Every held deprovisioning of a tenant, oldest first (all pages). */
async function allHeld(ctx: Parameters<Command["run"]>[0], tenantId: string): Promise<HeldDeprovision[]> {
  const held: HeldDeprovision[] = [];
  let pageToken = "";
  do {
    const page = await ctx.clients.brake.listHeldDeprovisions(
      { tenantId, pageSize: 500, pageToken },
      ctx.call,
    );
    held.push(...page.held);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return held;
}

const users = (h: HeldDeprovision) =>
  h.userIds.length <= 3
    ? h.userIds.join(", ")
    : `${h.userIds.slice(0, 3).join(", ")} (+${h.userIds.length - 3})`;

/** 90 → "90 s", 3600 → "1 h", 86400 → "24 h", 172800 → "2 d" (whole units only). */
function span(seconds: number): string {
  if (seconds % 86400 === 0 && seconds > 86400) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** The brake's settings and state, as `brake show` and `brake list` print them. */
function brakeFields(
  ctx: Parameters<Command["run"]>[0],
  tenant: Tenant,
  state: GetDeprovisionBrakeResponse,
): void {
  const s = state.settings;
  ctx.out.fields([
    ["tenant", `${tenant.id} (${tenant.displayName})`],
    [
      "threshold",
      s ? `${s.percent}% of established users, at least ${s.minimum}, per ${span(s.windowSeconds)}` : "",
    ],
    [
      "young users",
      s
        ? `not counted: users the IdP created less than ${span(Math.max(s.windowSeconds, s.youngUserSeconds))} ago`
        : "",
    ],
    ["established", `${state.establishedUsers} provisioned user(s) counted`],
    ["recent", `${state.recentCount} IdP deprovisioning(s) in the window (limit ${state.limit})`],
    ["held", String(state.heldCount)],
    ["released until", state.releasedUntil ? formatTime(dateOf(state.releasedUntil)) : "-"],
  ]);
}

const show: Command = {
  words: ["brake", "show"],
  summary: "show a tenant's mass-deprovision brake: threshold, young-user age, counts",
  description:
    "Only established users count: the identity provider's own users younger than the young-user\n" +
    "age (default 24 h, at least the window) are its test or onboarding traffic and are never held.\n" +
    "Users created in the admin panel or by the import always count. docs/adr/0012-mass-deprovision-brake.md",
  positionals: [tenantArg],
  options: [],
  examples: ["cosafe brake show <tenant>", "cosafe brake show <tenant> --json"],
  async run(ctx, { positionals }) {
    const [tenantId] = positionals as [string];
    const tenant = await getTenant(ctx, tenantId);
    const state = await ctx.clients.brake.getDeprovisionBrake({ tenantId }, ctx.call);
    ctx.out.result({ brake: messageJson(GetDeprovisionBrakeResponseSchema, state) }, () =>
      brakeFields(ctx, tenant, state),
    );
    if (state.heldCount > 0) ctx.out.note(`held deprovisionings: cosafe brake list ${tenantId}`);
  },
};

const set: Command = {
  words: ["brake", "set"],
  summary: "tune a tenant's mass-deprovision brake (percent, minimum, window, young-user age)",
  description:
    "Options not given keep their value. The brake holds the IdP's deprovisionings of established\n" +
    "users beyond max(--minimum, --percent of established users) per --window. Raise it for a\n" +
    "customer whose IdP legitimately removes many users at once (see docs/support-runbook.md).\n" +
    "Audited (deprovision_brake.updated, before and after).",
  positionals: [tenantArg],
  options: [
    { name: "percent", type: "string", value: "P", description: "percent of established users, 1…100" },
    {
      name: "minimum",
      type: "string",
      value: "M",
      description: "deprovisionings always allowed per window, ≥ 1",
    },
    { name: "window", type: "string", value: "DURATION", description: "the window, 1m…7d, e.g. 1h, 4h" },
    {
      name: "young-user-age",
      type: "string",
      value: "DURATION",
      description: "IdP-created users younger than this (and than the window) are not counted, 1m…30d",
    },
  ],
  examples: [
    "cosafe brake set <tenant> --percent 25 --minimum 100",
    "cosafe brake set <tenant> --window 4h --young-user-age 3d",
  ],
  async run(ctx, { positionals, options }) {
    const [tenantId] = positionals as [string];
    const words = ["brake", "set"];
    const count = (name: string, max: number) => {
      const text = stringOption(options, name);
      if (text === undefined) return 0;
      const n = parseCount(text, `--${name}`, words, max);
      if (n === 0) throw new UsageError(`--${name} must be at least 1`, words);
      return n;
    };
    const seconds = (name: string) => {
      const text = stringOption(options, name);
      return text === undefined ? 0 : Math.ceil(parseDuration(text, `--${name}`, words) / 1000);
    };
    const settings = {
      percent: count("percent", 100),
      minimum: count("minimum", 2_147_483_647),
      windowSeconds: seconds("window"),
      youngUserSeconds: seconds("young-user-age"),
    };
    if (Object.values(settings).every((v) => v === 0))
      throw new UsageError("give at least one of --percent, --minimum, --window, --young-user-age", words);
    const tenant = await getTenant(ctx, tenantId);
    await ctx.clients.brake.updateDeprovisionBrake({ tenantId, settings }, ctx.call);
    const state = await ctx.clients.brake.getDeprovisionBrake({ tenantId }, ctx.call);
    ctx.out.result({ brake: messageJson(GetDeprovisionBrakeResponseSchema, state) }, () => {
      ctx.out.line(`Brake of ${tenant.displayName} (${tenant.id}) set.`);
      brakeFields(ctx, tenant, state);
    });
  },
};

const list: Command = {
  words: ["brake", "list"],
  summary: "show a tenant's mass-deprovision brake and the deprovisionings it holds",
  description:
    "The brake holds the identity provider's deprovisionings once more than the tenant's threshold\n" +
    "(default: 10% of established users, at least 20, per hour) went through; the IdP gets 503 and\n" +
    "retries on its own. The IdP's own users younger than 24 h are never counted. Release them when\n" +
    "the customer confirms they are wanted, discard them when the IdP was misconfigured (after the\n" +
    "customer fixed it). docs/adr/0012-mass-deprovision-brake.md",
  positionals: [tenantArg],
  options: [],
  examples: ["cosafe brake list <tenant>", "cosafe brake list <tenant> --json"],
  async run(ctx, { positionals }) {
    const [tenantId] = positionals as [string];
    const tenant = await getTenant(ctx, tenantId);
    const state = await ctx.clients.brake.getDeprovisionBrake({ tenantId }, ctx.call);
    const held = await allHeld(ctx, tenantId);
    ctx.out.result(
      {
        brake: messageJson(GetDeprovisionBrakeResponseSchema, state),
        held: held.map((h) => messageJson(HeldDeprovisionSchema, h)),
      },
      () => {
        brakeFields(ctx, tenant, state);
        ctx.out.line();
        ctx.out.table(
          [
            { header: "ID", value: (h: HeldDeprovision) => h.id },
            { header: "KIND", value: (h) => h.kind },
            { header: "USERS", value: (h) => users(h) },
            { header: "FIRST SEEN", value: (h) => formatTime(dateOf(h.firstSeen)) },
            { header: "LAST SEEN", value: (h) => formatTime(dateOf(h.lastSeen)) },
            { header: "TRIES", value: (h) => String(h.count) },
          ],
          held,
          "(nothing held)",
        );
      },
    );
    if (state.heldCount > 0)
      ctx.out.note(`release: cosafe brake release ${tenantId}   discard: cosafe brake discard ${tenantId}`);
  },
};

const release: Command = {
  words: ["brake", "release"],
  summary: "release the held deprovisionings: the IdP's retries then go through",
  description:
    "Nothing is deprovisioned by this command: the identity provider's own retries do it. The held\n" +
    "users pass the brake for 7 days, and the brake is lifted for the whole tenant for --for\n" +
    "(default: the tenant's window, 1 h) so the rest of the IdP's run passes too. Audited.",
  positionals: [tenantArg],
  options: [
    {
      name: "for",
      type: "string",
      value: "DURATION",
      description: "lift the brake for this long, e.g. 30m, 2h (default: the tenant's window)",
    },
  ],
  examples: ["cosafe brake release <tenant>", "cosafe brake release <tenant> --for 4h"],
  async run(ctx, { positionals, options }) {
    const [tenantId] = positionals as [string];
    const duration = stringOption(options, "for");
    const releaseForSeconds = duration
      ? Math.ceil(parseDuration(duration, "--for", ["brake", "release"]) / 1000)
      : 0;
    const tenant = await getTenant(ctx, tenantId);
    const r = await ctx.clients.brake.releaseHeldDeprovisions({ tenantId, releaseForSeconds }, ctx.call);
    ctx.out.result({ released: messageJson(ReleaseHeldDeprovisionsResponseSchema, r) }, () =>
      ctx.out.line(
        `Released ${r.releasedCount} held deprovisioning(s) of ${r.userCount} user(s) of ${tenant.displayName} ` +
          `(${tenant.id}); the brake is lifted until ${formatTime(dateOf(r.releasedUntil))}. ` +
          "The identity provider's retries now go through.",
      ),
    );
  },
};

const discard: Command = {
  words: ["brake", "discard"],
  summary: "discard the held deprovisionings: the users stay; the brake stays engaged",
  description:
    "Clears the held list; the users stay provisioned. The brake is not lifted: if the identity\n" +
    "provider keeps retrying, its requests are refused and listed again while the tenant is above\n" +
    "its threshold, and go through once the window has passed. So discard after the customer fixed\n" +
    "the IdP's configuration (scoping, assignments). Audited.",
  positionals: [tenantArg],
  options: [],
  examples: ["cosafe brake discard <tenant>"],
  async run(ctx, { positionals }) {
    const [tenantId] = positionals as [string];
    const tenant = await getTenant(ctx, tenantId);
    const r = await ctx.clients.brake.discardHeldDeprovisions({ tenantId }, ctx.call);
    ctx.out.result({ discarded: messageJson(DiscardHeldDeprovisionsResponseSchema, r) }, () =>
      ctx.out.line(
        `Discarded ${r.discardedCount} held deprovisioning(s) of ${r.userCount} user(s) of ` +
          `${tenant.displayName} (${tenant.id}); those users stay provisioned.`,
      ),
    );
    ctx.out.warn(
      "the brake stays engaged: make sure the customer fixed the identity provider, or its retries go through once the window has passed",
    );
  },
};

export const brakeCommands: CommandGroup = {
  name: "brake",
  summary: "the mass-deprovision brake: show or set it; list, release or discard held deprovisionings",
  commands: [show, set, list, release, discard],
};
