import { ManagedBy, UserSchema } from "@cosafe/proto/identity";
import type { Command, CommandGroup } from "../command.js";
import { CommandFailure } from "../errors.js";
import { getTenant, messageJson, tenantArg } from "./shared.js";

const unadopt: Command = {
  words: ["user", "unadopt"],
  summary: "hand a user back to the admin panel (managedBy MANUAL; R6 locks lift)",
  description:
    "The user becomes MANUAL: administrators can edit its name, title and phone numbers again\n" +
    "(R6). Its group memberships stay as they are. Not permanent: the identity provider's next\n" +
    "write to the user (PATCH, PUT, DELETE, adding it to a group) adopts it again (R12) — take it\n" +
    "out of the identity provider's assignments first if it should stay manual. Audited.",
  positionals: [tenantArg, { name: "user", description: "user id" }],
  options: [],
  examples: ["cosafe user unadopt <tenant> <user>"],
  async run(ctx, { positionals }) {
    const [tenantId, userId] = positionals as [string, string];
    await getTenant(ctx, tenantId);
    const { user, changed } = await ctx.clients.users.unadoptUser({ tenantId, userId }, ctx.call);
    if (!user) throw new CommandFailure("identity-core returned no user");
    ctx.out.result({ user: messageJson(UserSchema, user), changed }, () =>
      ctx.out.line(
        changed
          ? `User ${user.userName} (${user.id}) is MANUAL now; its attributes are editable in the admin panel. ` +
              "The identity provider's next write to it adopts it again (R12)."
          : `User ${user.userName} (${user.id}) was already ${user.managedBy === ManagedBy.MANUAL ? "MANUAL" : "not SCIM-managed"}; nothing changed.`,
      ),
    );
  },
};

export const userCommands: CommandGroup = {
  name: "user",
  summary: "hand users back from the identity provider",
  commands: [unadopt],
};
