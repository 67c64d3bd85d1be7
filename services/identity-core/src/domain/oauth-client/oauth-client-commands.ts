import { randomUUID } from "node:crypto";
import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { isUuid } from "@cosafe/storage";
import { LockMode, type MikroORM } from "@mikro-orm/postgresql";
import { type OAuthClient, OAuthClientSchema, ScimTokenSchema } from "../../storage/entities.js";
import { requireRole, requireTenantAccess } from "../access.js";
import { recordAudit } from "../audit/record-audit.js";
import { notFound, unauthenticated } from "../domain-error.js";
import { hashScimTokenSecret, newScimTokenSecret, scimTokenHint } from "../scim-token/scim-token-secret.js";
import { findTenant } from "../tenant/find-tenant.js";
import {
  hashOAuthClientSecret,
  newOAuthClientSecret,
  oauthClientSecretHint,
  oauthClientSecretMatches,
} from "./oauth-client-secret.js";

/** Lifetime of an access token obtained with client credentials (issue 16). */
export const accessTokenLifetimeMs = 60 * 60 * 1000;

export interface ExchangedAccessToken {
  accessToken: string;
  expiresAt: Date;
  tenantId: string;
}

/**
 * OAuth 2.0 client-credentials clients (issue 16, RFC 6749 §4.4). An exchange stores its
 * access token as a SCIM token (R21: hashed, with an expiry and the client's id), so the
 * facade's bearer authentication and its 5-second cache verify it unchanged; revoking the
 * client revokes its access tokens in the same transaction.
 */
export class OAuthClientCommands {
  constructor(
    private readonly orm: MikroORM,
    private readonly now: () => Date = () => new Date(),
    private readonly lifetimeMs: number = accessTokenLifetimeMs,
  ) {}

  async issue(call: CallContext, tenantId: string, input: { name: string }) {
    requireTenantAccess(call, tenantId, [Role.SUPPORT, Role.SYSTEM]);
    const secret = newOAuthClientSecret();
    const client = await this.orm.em.fork().transactional(async (em) => {
      await findTenant(em, tenantId);
      const created = em.create(OAuthClientSchema, {
        id: randomUUID(),
        tenantId,
        name: input.name.trim() || "OAuth client",
        secretHash: hashOAuthClientSecret(secret),
        hint: oauthClientSecretHint(secret),
      });
      recordAudit(em, call, {
        tenantId,
        action: "oauth_client.issued",
        targetType: "oauth_client",
        targetId: created.id,
        after: { name: created.name, hint: created.hint },
      });
      return created;
    });
    return { client, secret };
  }

  async list(call: CallContext, tenantId: string, showRevoked: boolean): Promise<OAuthClient[]> {
    requireTenantAccess(call, tenantId, [Role.SUPPORT, Role.SYSTEM]);
    return this.orm.em
      .fork()
      .find(OAuthClientSchema, showRevoked ? { tenantId } : { tenantId, revokedAt: null }, {
        orderBy: { createdAt: "desc" },
      });
  }

  /** Revokes the client and, in the same transaction, every access token it obtained. */
  async revoke(call: CallContext, tenantId: string, clientId: string): Promise<OAuthClient> {
    requireTenantAccess(call, tenantId, [Role.SUPPORT, Role.SYSTEM]);
    return this.orm.em.fork().transactional(async (em) => {
      const client = isUuid(clientId)
        ? await em.findOne(
            OAuthClientSchema,
            { id: clientId, tenantId },
            { lockMode: LockMode.PESSIMISTIC_WRITE },
          )
        : null;
      if (!client) throw notFound("OAUTH_CLIENT_NOT_FOUND", `OAuth client ${clientId} not found`);
      if (!client.revokedAt) {
        const now = this.now();
        client.revokedAt = now;
        const revokedTokens = await em.nativeUpdate(
          ScimTokenSchema,
          { oauthClientId: client.id, revokedAt: null },
          { revokedAt: now },
        );
        recordAudit(em, call, {
          tenantId,
          action: "oauth_client.revoked",
          targetType: "oauth_client",
          targetId: client.id,
          after: { revokedAccessTokens: revokedTokens },
        });
      }
      return client;
    });
  }

  /**
   * Exchanges client credentials for a short-lived access token. The client row is locked
   * (FOR UPDATE: a share lock would deadlock with the last-use update of a concurrent
   * exchange), so a concurrent revocation either sees the new token (and revokes it) or
   * makes this exchange fail: no token outlives its client's revocation.
   */
  async exchange(call: CallContext, clientId: string, clientSecret: string): Promise<ExchangedAccessToken> {
    requireRole(call, [Role.SYSTEM]);
    const refused = () => unauthenticated("CLIENT_INVALID", "the client credentials are not valid");
    if (!isUuid(clientId) || !clientSecret) throw refused();
    const accessToken = newScimTokenSecret();
    return this.orm.em.fork().transactional(async (em) => {
      const client = await em.findOne(
        OAuthClientSchema,
        { id: clientId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!client || client.revokedAt || !oauthClientSecretMatches(clientSecret, client.secretHash)) {
        throw refused();
      }
      const now = this.now();
      const expiresAt = new Date(now.getTime() + this.lifetimeMs);
      const token = em.create(ScimTokenSchema, {
        id: randomUUID(),
        tenantId: client.tenantId,
        name: `OAuth client ${client.name}`,
        secretHash: hashScimTokenSecret(accessToken),
        hint: scimTokenHint(accessToken),
        expiresAt,
        oauthClientId: client.id,
      });
      await em.nativeUpdate(OAuthClientSchema, { id: client.id }, { lastUsedAt: now });
      recordAudit(em, call, {
        tenantId: client.tenantId,
        action: "oauth_client.token_issued",
        targetType: "oauth_client",
        targetId: client.id,
        after: { tokenId: token.id, expiresAt: expiresAt.toISOString() },
      });
      return { accessToken, expiresAt, tenantId: client.tenantId };
    });
  }
}
