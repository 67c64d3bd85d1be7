import { OAuthClientSchema } from "@cosafe/proto/identity";
import { stringOption } from "../args.js";
import type { Command, CommandGroup } from "../command.js";
import { CommandFailure } from "../errors.js";
import { formatTime } from "../output.js";
import { dateOf, getTenant, messageJson, tenantArg } from "./shared.js";

const issue: Command = {
  words: ["oauth-client", "issue"],
  summary: "issue an OAuth 2.0 client-credentials client (the secret is shown once)",
  description:
    "Prints the client id and secret once; identity-core keeps only the secret's hash. Enter them\n" +
    "with the token endpoint <SCIM base URL>/oauth/token in the identity provider's provisioning settings.",
  positionals: [tenantArg],
  options: [{ name: "name", type: "string", value: "NAME", description: 'label, e.g. "Okta production"' }],
  examples: ['cosafe oauth-client issue <tenant> --name "Okta"'],
  async run(ctx, { positionals, options }) {
    const [tenantId] = positionals as [string];
    const name =
      stringOption(options, "name") ??
      `issued by ${ctx.supportPerson} on ${ctx.now().toISOString().slice(0, 10)}`;
    const { client, secret } = await ctx.clients.oauthClients.issueOAuthClient({ tenantId, name }, ctx.call);
    if (!client || !secret) throw new CommandFailure("identity-core issued no client");
    ctx.out.result({ client: messageJson(OAuthClientSchema, client), secret }, () => {
      ctx.out.line(`Issued OAuth client for tenant ${client.tenantId}`);
      ctx.out.fields([
        ["  name", client.name],
        ["  client id", client.id],
        ["  client secret", secret],
      ]);
    });
    ctx.out.warn(
      "the secret is shown only this once and cannot be read back; store it in the identity provider now. " +
        `If it leaks: cosafe oauth-client revoke ${tenantId} ${client.id}`,
    );
  },
};

const list: Command = {
  words: ["oauth-client", "list"],
  summary: "list a tenant's OAuth clients",
  positionals: [tenantArg],
  options: [{ name: "revoked", type: "boolean", description: "include revoked clients" }],
  async run(ctx, { positionals, options }) {
    const [tenantId] = positionals as [string];
    await getTenant(ctx, tenantId);
    const { clients } = await ctx.clients.oauthClients.listOAuthClients(
      { tenantId, showRevoked: options.revoked === true },
      ctx.call,
    );
    ctx.out.result({ clients: clients.map((c) => messageJson(OAuthClientSchema, c)) }, () =>
      ctx.out.table(
        [
          { header: "CLIENT ID", value: (c: (typeof clients)[number]) => c.id },
          { header: "NAME", value: (c) => c.name },
          { header: "HINT", value: (c) => c.hint },
          { header: "CREATED", value: (c) => formatTime(dateOf(c.createTime)) },
          { header: "STATUS", value: (c) => (c.revokeTime ? "revoked" : "active") },
        ],
        clients,
        options.revoked ? "(no clients)" : "(no active clients)",
      ),
    );
  },
};

const revoke: Command = {
  words: ["oauth-client", "revoke"],
  summary: "revoke an OAuth client and its access tokens (refused everywhere within 5 seconds)",
  positionals: [tenantArg, { name: "client-id", description: "id of the client (see `oauth-client list`)" }],
  options: [],
  examples: ["cosafe oauth-client revoke <tenant> <client-id>"],
  async run(ctx, { positionals }) {
    const [tenantId, clientId] = positionals as [string, string];
    const { client } = await ctx.clients.oauthClients.revokeOAuthClient({ tenantId, clientId }, ctx.call);
    if (!client) throw new CommandFailure("identity-core returned no client");
    ctx.out.result({ client: messageJson(OAuthClientSchema, client) }, () =>
      ctx.out.line(
        `Revoked OAuth client ${client.id} ("${client.name}", ${client.hint}) of tenant ${client.tenantId} at ` +
          `${formatTime(dateOf(client.revokeTime))}; its access tokens are refused everywhere within 5 seconds.`,
      ),
    );
  },
};

export const oauthClientCommands: CommandGroup = {
  name: "oauth-client",
  summary: "issue, list and revoke OAuth 2.0 client-credentials clients (issue 16)",
  commands: [issue, list, revoke],
};
