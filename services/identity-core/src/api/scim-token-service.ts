import type { ServiceImpl } from "@connectrpc/connect";
import type { ScimTokenService } from "@cosafe/proto/identity";
import { callContextOf } from "@cosafe/rpc";
import type { ScimTokenCommands } from "../domain/scim-token/scim-token-commands.js";
import { toScimTokenMessage } from "./convert/scim-token-convert.js";
import { fromTimestamp, toTimestamp } from "./convert/timestamps.js";

/** cosafe.identity.v1.ScimTokenService. */
export function scimTokenService(deps: { tokens: ScimTokenCommands }): ServiceImpl<typeof ScimTokenService> {
  return {
    async issueScimToken(req, ctx) {
      const { token, secret } = await deps.tokens.issue(callContextOf(ctx), req.tenantId, {
        name: req.name,
        expiresAt: fromTimestamp(req.expireTime),
      });
      return { token: toScimTokenMessage(token), secret };
    },
    async listScimTokens(req, ctx) {
      const tokens = await deps.tokens.list(callContextOf(ctx), req.tenantId, req.showRevoked);
      return { tokens: tokens.map(toScimTokenMessage) };
    },
    async revokeScimToken(req, ctx) {
      return {
        token: toScimTokenMessage(await deps.tokens.revoke(callContextOf(ctx), req.tenantId, req.tokenId)),
      };
    },
    async authenticateScimToken(req, ctx) {
      const token = await deps.tokens.authenticate(callContextOf(ctx), req.secret);
      return {
        tenantId: token.tenantId,
        tokenId: token.id,
        expireTime: toTimestamp(token.expiresAt),
        scimPaused: token.scimPaused,
      };
    },
  };
}
