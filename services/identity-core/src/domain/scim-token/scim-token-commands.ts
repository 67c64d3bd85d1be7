import { randomUUID } from "node:crypto";
import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { isUuid } from "@cosafe/storage";
import type { MikroORM } from "@mikro-orm/postgresql";
import { type ScimToken, ScimTokenSchema } from "../../storage/entities.js";
import { type PresentedToken, presentToken } from "../../storage/scim-token-auth-sql.js";
import { requireRole, requireTenantAccess } from "../access.js";
import { recordAudit } from "../audit/record-audit.js";
import { invalidArgument, notFound, unauthenticated } from "../domain-error.js";
import { findTenant } from "../tenant/find-tenant.js";
import { hashScimTokenSecret, newScimTokenSecret, scimTokenHint } from "./scim-token-secret.js";

/** SCIM bearer tokens (R21): issued by support, shown once, stored as hashes. */
export class ScimTokenCommands {
  constructor(
    private readonly orm: MikroORM,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async issue(call: CallContext, tenantId: string, input: { name: string; expiresAt?: Date | undefined }) {
    requireTenantAccess(call, tenantId, [Role.SUPPORT, Role.SYSTEM]);
    if (input.expiresAt && input.expiresAt <= this.now()) {
      throw invalidArgument("EXPIRY_IN_PAST", "expire_time must be in the future");
    }
    const secret = newScimTokenSecret();
    const token = await this.orm.em.fork().transactional(async (em) => {
      await findTenant(em, tenantId);
      const created = em.create(ScimTokenSchema, {
        id: randomUUID(),
        tenantId,
        name: input.name.trim() || "SCIM token",
        secretHash: hashScimTokenSecret(secret),
        hint: scimTokenHint(secret),
        expiresAt: input.expiresAt ?? null,
      });
      recordAudit(em, call, {
        tenantId,
        action: "scim_token.issued",
        targetType: "scim_token",
        targetId: created.id,
        after: {
          name: created.name,
          hint: created.hint,
          expiresAt: created.expiresAt?.toISOString() ?? null,
        },
      });
      return created;
    });
    return { token, secret };
  }

  async list(call: CallContext, tenantId: string, showRevoked: boolean): Promise<ScimToken[]> {
    requireTenantAccess(call, tenantId, [Role.SUPPORT, Role.SYSTEM]);
    return (
      this.orm.em
        .fork()
        // Access tokens of OAuth clients (issue 16) are listed with their client, not here.
        .find(
          ScimTokenSchema,
          showRevoked
            ? { tenantId, oauthClientId: null }
            : { tenantId, oauthClientId: null, revokedAt: null },
          { orderBy: { createdAt: "desc" } },
        )
    );
  }

  async revoke(call: CallContext, tenantId: string, tokenId: string): Promise<ScimToken> {
    requireTenantAccess(call, tenantId, [Role.SUPPORT, Role.SYSTEM]);
    return this.orm.em.fork().transactional(async (em) => {
      const token = isUuid(tokenId) ? await em.findOne(ScimTokenSchema, { id: tokenId, tenantId }) : null;
      if (!token) throw notFound("TOKEN_NOT_FOUND", `SCIM token ${tokenId} not found`);
      if (!token.revokedAt) {
        token.revokedAt = this.now();
        recordAudit(em, call, {
          tenantId,
          action: "scim_token.revoked",
          targetType: "scim_token",
          targetId: token.id,
        });
      }
      return token;
    });
  }

  /**
   * Resolves a presented secret to its token, with its tenant's pause (issue 7: the facade
   * learns a support pause with the token, without a call of its own). One statement, which
   * also records the last use at most once a minute with a conditional update — never a write
   * per request (storage/scim-token-auth-sql.ts).
   */
  async authenticate(call: CallContext, secret: string): Promise<PresentedToken> {
    requireRole(call, [Role.SYSTEM]);
    const now = this.now();
    const token = secret ? await presentToken(this.orm, hashScimTokenSecret(secret), now) : undefined;
    if (!token) throw unauthenticated("TOKEN_INVALID", "the bearer token is not valid");
    if (token.revokedAt) throw unauthenticated("TOKEN_REVOKED", "the bearer token was revoked");
    if (token.expiresAt && token.expiresAt <= now)
      throw unauthenticated("TOKEN_EXPIRED", "the bearer token has expired");
    return token;
  }
}
