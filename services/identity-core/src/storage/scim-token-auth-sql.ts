import type { MikroORM } from "@mikro-orm/postgresql";
import { boundRows } from "./bound-sql.js";
import { dateOrNullFromRow } from "./row-dates.js";

/** What a bearer-token check needs of a SCIM token, and whether its tenant is paused (issue 7). */
export interface PresentedToken {
  id: string;
  tenantId: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
  scimPaused: boolean;
}

/**
 * One autocommit statement per check (issue 11): the token by its secret's hash, its tenant's
 * pause, and — only for a token that is neither revoked nor expired at `now` and was last used
 * a minute or more ago — the last use. The conditional update writes at most once a minute per
 * token, never once per request; when it matches nothing the statement writes nothing.
 */
const authenticateSql = `
  with token as (
    select s.id, s.tenant_id, s.expires_at, s.revoked_at, t.scim_paused_at is not null as scim_paused
      from identity.scim_token s left join identity.tenant t on t.id = s.tenant_id
     where s.secret_hash = ?
  ),
  used as (
    update identity.scim_token s set last_used_at = ?
      from token
     where s.id = token.id and token.revoked_at is null
       and (token.expires_at is null or token.expires_at > ?)
       and (s.last_used_at is null or s.last_used_at < ?)
    returning s.id
  )
  select token.* from token`;

export async function presentToken(
  orm: MikroORM,
  secretHash: Buffer,
  now: Date,
): Promise<PresentedToken | undefined> {
  const [row] = await boundRows<{
    id: string;
    tenant_id: string;
    expires_at: Date | string | null;
    revoked_at: Date | string | null;
    scim_paused: boolean;
  }>(orm, authenticateSql, [secretHash, now, now, new Date(now.getTime() - 60_000)]);
  if (!row) return undefined;
  return {
    id: row.id,
    tenantId: row.tenant_id,
    expiresAt: dateOrNullFromRow(row.expires_at),
    revokedAt: dateOrNullFromRow(row.revoked_at),
    scimPaused: row.scim_paused,
  };
}
