import {
  DiscardHeldDeprovisionsResponseSchema,
  GetDeprovisionBrakeResponseSchema,
  type HeldDeprovision,
  HeldDeprovisionSchema,
  ReleaseHeldDeprovisionsResponseSchema,
} from "@cosafe/proto/identity";
import { parseDuration, stringOption } from "../args.js";
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

const list: Command = {
  words: ["brake", "list"],
  summary: "show a tenant's mass-deprovision brake and the deprovisionings it holds",
  description:
    "The brake holds the identity provider's deprovisionings once more than the tenant's threshold\n" +
    "(default: 10% of provisioned users, at least 20, per hour) went through; the IdP gets 503 and\n" +
    "retries on its own. Release them when the customer confirms they are wanted, discard them when\n" +
    "the IdP was misconfigured (after the customer fixed it). docs/adr/0012-mass-deprovision-brake.md",
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
        const s = state.settings;
        ctx.out.fields([
          ["tenant", `${tenant.id} (${tenant.displayName})`],
          [
            "threshold",
            s
              ? `${s.percent}% of provisioned users, at least ${s.minimum}, per ${Math.round(s.windowSeconds / 60)} min`
              : "",
          ],
          ["recent", `${state.recentCount} IdP deprovisioning(s) in the window (limit ${state.limit})`],
          ["held", String(state.heldCount)],
          ["released until", state.releasedUntil ? formatTime(dateOf(state.releasedUntil)) : "-"],
        ]);
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
  summary: "the mass-deprovision brake: list, release or discard held deprovisionings",
  commands: [list, release, discard],
};
