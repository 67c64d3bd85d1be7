import { GroupSchema } from "@cosafe/proto/identity";
import type { Command, CommandGroup } from "../command.js";
import { CommandFailure } from "../errors.js";
import { getTenant, messageJson, tenantArg } from "./shared.js";

const unlink: Command = {
  words: ["group", "unlink"],
  summary: "unlink a group from the identity provider (a manual group again)",
  description:
    "The group is no longer SCIM-linked and its SCIM memberships become MANUAL; memberships of\n" +
    "deprovisioned users (dormant, R4) are removed. Nobody is deprovisioned or leaves an account.\n" +
    "Not permanent: the identity provider's next write to the group links it again (R11).\n" +
    "Audited.",
  positionals: [tenantArg, { name: "group", description: "group id" }],
  options: [],
  examples: ["cosafe group unlink <tenant> <group>"],
  async run(ctx, { positionals }) {
    const [tenantId, groupId] = positionals as [string, string];
    await getTenant(ctx, tenantId);
    const out = await ctx.clients.groups.unlinkGroup({ tenantId, groupId }, ctx.call);
    const group = out.group;
    if (!group) throw new CommandFailure("identity-core returned no group");
    ctx.out.result(
      {
        group: messageJson(GroupSchema, group),
        changed: out.changed,
        membershipsConverted: out.membershipsConverted,
        dormantMembershipsRemoved: out.dormantMembershipsRemoved,
      },
      () => {
        if (!out.changed) {
          ctx.out.line(`Group ${group.displayName} (${group.id}) was not linked; nothing changed.`);
          return;
        }
        ctx.out.line(`Unlinked group ${group.displayName} (${group.id}) from the identity provider:`);
        ctx.out.fields([
          ["  memberships made manual", String(out.membershipsConverted)],
          ["  dormant memberships removed", String(out.dormantMembershipsRemoved)],
        ]);
        ctx.out.line("The identity provider's next write to the group links it again (R11).");
      },
    );
  },
};

export const groupCommands: CommandGroup = {
  name: "group",
  summary: "hand groups back from the identity provider",
  commands: [unlink],
};
