import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type ScimToken, ScimTokenSchema } from "@cosafe/proto/identity";
import { parseDuration, stringOption } from "../args.js";
import type { Command, CommandGroup } from "../command.js";
import { CommandFailure } from "../errors.js";
import { formatRelative, formatTime } from "../output.js";
import { dateOf, getTenant, messageJson, tenantArg } from "./shared.js";

/** Tokens expiring within this window are flagged, so the IdP is not quarantined by surprise. */
export const expiryWarningMs = 14 * 86_400_000;

type TokenStatus = "revoked" | "expired" | "expires-soon" | "active";

export function tokenStatus(token: ScimToken, now: Date): TokenStatus {
  if (token.revokeTime) return "revoked";
  const expires = dateOf(token.expireTime);
  if (expires && expires <= now) return "expired";
  if (expires && expires.getTime() - now.getTime() <= expiryWarningMs) return "expires-soon";
  return "active";
}

function expiry(token: ScimToken, now: Date): string {
  const expires = dateOf(token.expireTime);
  return expires ? `${formatTime(expires)} (${formatRelative(expires, now)})` : "never";
}

const issue: Command = {
  words: ["token", "issue"],
  summary: "issue a SCIM bearer token (the secret is shown once)",
  description:
    "Prints the new bearer secret once; identity-core keeps only its hash. Paste it into the\n" +
    "identity provider's provisioning settings (Entra ID: Secret Token) right away.",
  positionals: [tenantArg],
  options: [
    { name: "name", type: "string", value: "NAME", description: 'label, e.g. "Entra ID production"' },
    {
      name: "expires-in",
      type: "string",
      value: "DURATION",
      description: "expire after this long, e.g. 90d, 12w (default: never)",
    },
  ],
  examples: ['cosafe token issue <tenant> --name "Entra ID" --expires-in 365d'],
  async run(ctx, { positionals, options }) {
    const [tenantId] = positionals as [string];
    const expiresIn = stringOption(options, "expires-in");
    const expireTime = expiresIn
      ? timestampFromDate(
          new Date(ctx.now().getTime() + parseDuration(expiresIn, "--expires-in", ["token", "issue"])),
        )
      : undefined;
    const name =
      stringOption(options, "name") ??
      `issued by ${ctx.supportPerson} on ${ctx.now().toISOString().slice(0, 10)}`;
    const { token, secret } = await ctx.clients.tokens.issueScimToken(
      { tenantId, name, expireTime },
      ctx.call,
    );
    if (!token || !secret) throw new CommandFailure("identity-core issued no token");
    const now = ctx.now();
    ctx.out.result({ token: messageJson(ScimTokenSchema, token), secret }, () => {
      ctx.out.line(`Issued SCIM token ${token.id} for tenant ${token.tenantId}`);
      ctx.out.fields([
        ["  name", token.name],
        ["  expires", expiry(token, now)],
        ["  secret", secret],
      ]);
    });
    ctx.out.warn(
      "the secret is shown only this once and cannot be read back; store it in the identity provider now. " +
        `If it leaks: cosafe token revoke ${tenantId} ${token.id}`,
    );
  },
};

const list: Command = {
  words: ["token", "list"],
  summary: "list a tenant's SCIM tokens; flags those expiring within 14 days",
  positionals: [tenantArg],
  options: [{ name: "revoked", type: "boolean", description: "include revoked tokens" }],
  async run(ctx, { positionals, options }) {
    const [tenantId] = positionals as [string];
    await getTenant(ctx, tenantId); // an unknown tenant is an error, not "(no active tokens)"
    const { tokens } = await ctx.clients.tokens.listScimTokens(
      { tenantId, showRevoked: options.revoked === true },
      ctx.call,
    );
    const now = ctx.now();
    const rows = tokens.map((token) => ({ token, status: tokenStatus(token, now) }));
    ctx.out.result(
      {
        tokens: rows.map(({ token, status }) => ({
          ...(messageJson(ScimTokenSchema, token) as object),
          status,
          expiresSoon: status === "expires-soon",
        })),
      },
      () =>
        ctx.out.table(
          [
            { header: "ID", value: (r: (typeof rows)[number]) => r.token.id },
            { header: "NAME", value: (r) => r.token.name },
            { header: "HINT", value: (r) => r.token.hint },
            { header: "CREATED", value: (r) => formatTime(dateOf(r.token.createTime)) },
            { header: "LAST USED", value: (r) => formatTime(dateOf(r.token.lastUseTime)) },
            { header: "EXPIRES", value: (r) => expiry(r.token, now) },
            {
              header: "STATUS",
              value: (r) => (r.status === "expires-soon" ? "EXPIRES SOON" : r.status),
            },
          ],
          rows,
          options.revoked ? "(no tokens)" : "(no active tokens)",
        ),
    );
    const soon = rows.filter((r) => r.status === "expires-soon");
    if (soon.length > 0) {
      ctx.out.warn(
        `${soon.length} token(s) expire within 14 days: issue a new token, put it into the identity provider, ` +
          "then revoke the old one",
      );
    }
  },
};

const revoke: Command = {
  words: ["token", "revoke"],
  summary: "revoke a SCIM token (refused everywhere within 5 seconds)",
  positionals: [tenantArg, { name: "token-id", description: "id of the token (see `token list`)" }],
  options: [],
  examples: ["cosafe token revoke <tenant> <token-id>"],
  async run(ctx, { positionals }) {
    const [tenantId, tokenId] = positionals as [string, string];
    const { token } = await ctx.clients.tokens.revokeScimToken({ tenantId, tokenId }, ctx.call);
    if (!token) throw new CommandFailure("identity-core returned no token");
    ctx.out.result({ token: messageJson(ScimTokenSchema, token) }, () =>
      ctx.out.line(
        `Revoked token ${token.id} ("${token.name}", ${token.hint}) of tenant ${token.tenantId} at ` +
          `${formatTime(dateOf(token.revokeTime))}; every SCIM facade refuses it within 5 seconds.`,
      ),
    );
  },
};

export const tokenCommands: CommandGroup = {
  name: "token",
  summary: "issue, list and revoke SCIM bearer tokens (R21)",
  commands: [issue, list, revoke],
};
