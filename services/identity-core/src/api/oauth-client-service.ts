import type { ServiceImpl } from "@connectrpc/connect";
import type { OAuthClientService } from "@cosafe/proto/identity";
import { callContextOf } from "@cosafe/rpc";
import type { OAuthClientCommands } from "../domain/oauth-client/oauth-client-commands.js";
import { toOAuthClientMessage } from "./convert/oauth-client-convert.js";
import { toTimestamp } from "./convert/timestamps.js";

/** cosafe.identity.v1.OAuthClientService. */
export function oauthClientService(deps: {
  oauthClients: OAuthClientCommands;
}): ServiceImpl<typeof OAuthClientService> {
  return {
    async issueOAuthClient(req, ctx) {
      const { client, secret } = await deps.oauthClients.issue(callContextOf(ctx), req.tenantId, {
        name: req.name,
      });
      return { client: toOAuthClientMessage(client), secret };
    },
    async listOAuthClients(req, ctx) {
      const clients = await deps.oauthClients.list(callContextOf(ctx), req.tenantId, req.showRevoked);
      return { clients: clients.map(toOAuthClientMessage) };
    },
    async revokeOAuthClient(req, ctx) {
      const client = await deps.oauthClients.revoke(callContextOf(ctx), req.tenantId, req.clientId);
      return { client: toOAuthClientMessage(client) };
    },
    async exchangeClientCredentials(req, ctx) {
      const token = await deps.oauthClients.exchange(callContextOf(ctx), req.clientId, req.clientSecret);
      return {
        accessToken: token.accessToken,
        expireTime: toTimestamp(token.expiresAt),
        tenantId: token.tenantId,
      };
    },
  };
}
