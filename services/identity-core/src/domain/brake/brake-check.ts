import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import type { EntityManager } from "@mikro-orm/postgresql";
import { brakeLockKey, establishedSql, readBrakeDecision } from "../../storage/brake-sql.js";
import { pgArray } from "../../storage/sql/pg-array.js";
import { DomainError } from "../domain-error.js";

/** What an IdP-driven deprovisioning was: active=false, user DELETE, or R7/R17 (last SCIM group gone). */
export type DeprovisionKind = "INACTIVE" | "DELETE" | "LAST_SCIM_GROUP_REMOVED";

/** A tenant's threshold (docs/adr/0012). */
export interface BrakeSettings {
  percent: number;
  minimum: number;
  windowSeconds: number;
  /**
   * A user the identity provider itself created less than max(windowSeconds, youngUserSeconds)
   * ago is "young": its deprovisioning is the IdP's own test or onboarding traffic and is
   * neither counted nor braked, and it is not part of the population the percent applies to.
   */
  youngUserSeconds: number;
}

export const defaultBrakeSettings: BrakeSettings = {
  percent: 10,
  minimum: 20,
  windowSeconds: 3600,
  youngUserSeconds: 86400,
};

/**
 * SQL condition on identity.app_user `u`: the user is established (storage/brake-sql.ts). One
 * bind parameter each: window, young age.
 */
export const establishedUserSql = establishedSql("?::int", "?::int");

/** How long a released user's deprovisioning passes the brake when the IdP retries it. */
export const releasedUserDays = 7;

/** Seconds the IdP is told to wait (the facade sends its own Retry-After; this is a hint in the metadata). */
export const heldRetryAfterSeconds = 300;

/** The most IdP deprovisionings a window allows: max(minimum, floor(percent × population / 100)). */
export function brakeLimit(settings: BrakeSettings, population: number): number {
  return Math.max(settings.minimum, Math.floor((settings.percent * population) / 100));
}

/**
 * The brake refused a deprovisioning: UNAVAILABLE / DEPROVISION_HELD (the facade answers 503 +
 * Retry-After). Thrown inside the deprovisioning transaction, so nothing of the request is
 * stored; the API boundary records the held request outside it (held-deprovisions.ts).
 */
export class DeprovisionHeld extends DomainError {
  constructor(
    readonly tenantId: string,
    readonly heldKind: DeprovisionKind,
    readonly userIds: readonly string[],
    readonly recent: number,
    readonly limit: number,
    readonly windowSeconds: number,
    readonly requestId: string,
  ) {
    super(
      "UNAVAILABLE",
      "DEPROVISION_HELD",
      `mass-deprovision brake: ${recent} established users were deprovisioned by the identity provider in the last ${Math.round(windowSeconds / 60)} min (limit ${limit}); deprovisioning ${userIds.length} more is held until Cosafe support releases it; retry later`,
      { retryAfterSeconds: String(heldRetryAfterSeconds), recentCount: String(recent), limit: String(limit) },
    );
  }
}

/** Only the identity provider's deprovisionings are braked; administrators, support and system never. */
export const isBraked = (call: CallContext) => call.actor.role === Role.SCIM;

/** The tenant's settings and release, as seen inside a transaction. */
export async function brakeState(
  em: EntityManager,
  tenantId: string,
): Promise<BrakeSettings & { released: boolean; releasedUntil: Date | null }> {
  const [row] = (await em.execute(
    `select percent, minimum, window_seconds, young_user_seconds, released_until,
            coalesce(released_until > now(), false) as released
       from identity.deprovision_brake where tenant_id = ?`,
    [tenantId],
  )) as {
    percent: number;
    minimum: number;
    window_seconds: number;
    young_user_seconds: number;
    released_until: Date | null;
    released: boolean;
  }[];
  if (!row) return { ...defaultBrakeSettings, released: false, releasedUntil: null };
  return {
    percent: row.percent,
    minimum: row.minimum,
    windowSeconds: row.window_seconds,
    youngUserSeconds: row.young_user_seconds,
    released: row.released,
    releasedUntil: row.released_until ? new Date(row.released_until) : null,
  };
}

/**
 * Counted IdP deprovisionings of the tenant within the window, and the established users
 * provisioned now (young IdP-created users are in neither).
 */
export async function brakeCounts(
  em: EntityManager,
  tenantId: string,
  settings: Pick<BrakeSettings, "windowSeconds" | "youngUserSeconds">,
): Promise<{ recent: number; provisioned: number }> {
  const [row] = (await em.execute(
    `select (select count(*)::int from identity.idp_deprovision
              where tenant_id = ? and at > now() - make_interval(secs => ?)) as recent,
            (select count(*)::int from identity.app_user u
              where u.tenant_id = ? and u.state = 'PROVISIONED' and ${establishedUserSql}) as provisioned`,
    [tenantId, settings.windowSeconds, tenantId, settings.windowSeconds, settings.youngUserSeconds],
  )) as { recent: number; provisioned: number }[];
  return { recent: row?.recent ?? 0, provisioned: row?.provisioned ?? 0 };
}

/** Those of `userIds` the brake counts (established users, see establishedUserSql). */
export async function establishedUsers(
  em: EntityManager,
  tenantId: string,
  userIds: readonly string[],
  settings: Pick<BrakeSettings, "windowSeconds" | "youngUserSeconds">,
): Promise<string[]> {
  if (userIds.length === 0) return [];
  const rows = (await em.execute(
    `select u.id from identity.app_user u
      where u.tenant_id = ? and u.id = any(?::uuid[]) and ${establishedUserSql} order by u.id`,
    [tenantId, pgArray(userIds), settings.windowSeconds, settings.youngUserSeconds],
  )) as { id: string }[];
  return rows.map((r) => r.id);
}

/**
 * The brake, inside the deprovisioning's transaction (docs/adr/0012). Only established users
 * count (establishedUserSql): a request that deprovisions none — the IdP's own test or
 * onboarding users — passes without waiting for anything. Otherwise serialised per tenant with
 * a transaction-scoped advisory lock taken only here, so creates and updates never wait for it
 * and parallel deprovisionings (on any replica) count each other; then decideBrake.
 * `userIds` are the users the caller is about to deprovision (provisioned now).
 * Returns the established ones: the caller counts them once they are deprovisioned.
 */
export async function checkBrake(
  em: EntityManager,
  call: CallContext,
  tenantId: string,
  userIds: readonly string[],
  kind: DeprovisionKind,
): Promise<string[]> {
  if (!isBraked(call) || userIds.length === 0) return [];
  const established = await establishedUsers(em, tenantId, userIds, await brakeState(em, tenantId));
  if (established.length === 0) return [];
  await em.execute("select pg_advisory_xact_lock(hashtextextended(?, 0))", [brakeLockKey(tenantId)]);
  await decideBrake(em, call, tenantId, userIds, established, kind);
  return established;
}

/**
 * The decision, once the caller holds the tenant's brake lock (checkBrake, or the user write
 * lock of storage/user-write-sql.ts), in one statement: refuses with DeprovisionHeld when the
 * established users would take the window's count above the limit. Users whose held
 * deprovisioning support released pass, and so does everything while the tenant's brake is
 * released.
 */
export async function decideBrake(
  em: EntityManager,
  call: CallContext,
  tenantId: string,
  userIds: readonly string[],
  established: readonly string[],
  kind: DeprovisionKind,
): Promise<void> {
  const row = await readBrakeDecision(em, tenantId, established, releasedUserDays, defaultBrakeSettings);
  if (row.released || row.counted === 0) return;
  const recent = row.recent ?? 0;
  const state = { percent: row.percent, minimum: row.minimum, windowSeconds: row.window_seconds };
  const limit = brakeLimit({ ...defaultBrakeSettings, ...state }, (row.provisioned ?? 0) + recent);
  if (recent + row.counted > limit) {
    throw new DeprovisionHeld(
      tenantId,
      kind,
      [...userIds].map((id) => id.toLowerCase()).sort(),
      recent,
      limit,
      state.windowSeconds,
      call.requestId,
    );
  }
}

/**
 * Counts the IdP's deprovisionings of established users that went through (same
 * transaction), and purges old counts. Young users are never written here.
 */
export async function countDeprovisions(
  em: EntityManager,
  call: CallContext,
  tenantId: string,
  userIds: readonly string[],
): Promise<void> {
  if (!isBraked(call) || userIds.length === 0) return;
  await em.execute("insert into identity.idp_deprovision (tenant_id, user_id) select ?, unnest(?::uuid[])", [
    tenantId,
    pgArray(userIds),
  ]);
  await em.execute(
    "delete from identity.idp_deprovision where tenant_id = ? and at < now() - interval '7 days'",
    [tenantId],
  );
}
