import { createHash } from "node:crypto";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { ActorType, Role } from "@cosafe/proto/identity";
import { actorHeaders, ConnectError, reasonOf, systemActor } from "@cosafe/rpc";
import { ScimError } from "@cosafe/scim";
import type { Middleware } from "koa";
import type { TokenCache } from "../auth/token-cache.js";
import type { CoreClients } from "../clients.js";
import { scimErrorFromRpc, tokenRefusedDetail } from "../errors.js";
import type { ScimState } from "../scim-state.js";
import { scimPausedDetail } from "./scim-paused-detail.js";

/**
 * Resolves `Authorization: Bearer <token>` to a tenant (R21), through a short-lived
 * cache, and sets the SCIM actor every core call of this request carries (R21b).
 *
 * A tenant paused by support (issue 7, TenantService.PauseScim) answers 503 with
 * Retry-After (set by scimErrors) on every request. The pause travels with the token
 * (AuthenticateScimToken.scim_paused) and is cached with it, so no request costs an extra
 * call; a pause or resume therefore takes effect within the cache TTL (at most 5 s).
 */
export function authenticate(deps: {
  core: CoreClients;
  cache: TokenCache;
  serviceName: string;
}): Middleware<ScimState> {
  const system = systemActor(deps.serviceName);
  return async (ctx, next) => {
    const refuse = (reason: string) => {
      // The support-only stream of the provisioning log learns why; the client only that it was refused.
      ctx.state.note.detail = reason;
      return new ScimError(401, undefined, tokenRefusedDetail);
    };
    const header = ctx.get("authorization");
    const secret = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (!secret) throw refuse(header ? "malformed Authorization header" : "no Authorization header");
    const key = createHash("sha256").update(secret).digest("base64url");
    let token = deps.cache.get(key);
    if (!token) {
      try {
        const verified = await deps.core.tokens.authenticateScimToken(
          { secret },
          { headers: actorHeaders(system, ctx.state.requestId) },
        );
        deps.cache.set(key, {
          tenantId: verified.tenantId,
          tokenId: verified.tokenId,
          tokenExpiresAt: verified.expireTime ? timestampMs(verified.expireTime) : undefined,
          scimPaused: verified.scimPaused,
        });
        token = {
          tenantId: verified.tenantId,
          tokenId: verified.tokenId,
          expiresAt: 0,
          scimPaused: verified.scimPaused,
        };
      } catch (error) {
        if (!(error instanceof ConnectError)) throw error;
        const refused = scimErrorFromRpc(error);
        if (refused.status === 401) throw refuse(`token refused: ${reasonOf(error) ?? "UNAUTHENTICATED"}`);
        throw refused;
      }
    }
    ctx.state.tenantId = token.tenantId;
    ctx.state.tokenId = token.tokenId;
    if (token.scimPaused) throw new ScimError(503, undefined, scimPausedDetail);
    ctx.state.actor = {
      type: ActorType.SCIM_TOKEN,
      id: token.tokenId,
      role: Role.SCIM,
      tenantId: token.tenantId,
    };
    ctx.state.callHeaders = actorHeaders(ctx.state.actor, ctx.state.requestId);
    await next();
  };
}
