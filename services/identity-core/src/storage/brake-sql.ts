import type { EntityManager } from "@mikro-orm/postgresql";
import { boundRows } from "./bound-sql.js";
import { pgArray } from "./sql/pg-array.js";

/**
 * SQL of the mass-deprovision brake (docs/adr/0012-mass-deprovision-brake.md): which users it
 * counts, its per-tenant lock, and what its decision reads once that lock is held.
 */

/**
 * SQL condition on identity.app_user `u`: the user is established, i.e. counted by the brake —
 * created by an administrator, support or the import (idp_created_at null), or by the IdP
 * longer ago than max(window, young age). `window` and `young` are SQL expressions (seconds).
 */
export const establishedSql = (window: string, young: string) =>
  `(u.idp_created_at is null or u.idp_created_at <= now() - make_interval(secs => greatest(${window}, ${young})))`;

/** The argument of the tenant's transaction-scoped advisory lock that serialises brake decisions. */
export const brakeLockKey = (tenantId: string) => `deprovision-brake:${tenantId}`;

/** What the brake's decision needs, read in one statement after its advisory lock. */
export interface BrakeDecisionRow {
  percent: number;
  minimum: number;
  window_seconds: number;
  released: boolean;
  /** Established users of the request that support did not release: the ones that count. */
  counted: number;
  /** Null when nothing counts (tenant released, or every user released). */
  recent: number | null;
  provisioned: number | null;
}

/**
 * Reads, in ONE statement, the tenant's settings (defaults when it has no row), whether its
 * brake is released, which of `established` support released (held requests decided within
 * `releasedDays`), and — only when some still count — the window's counted deprovisionings and
 * the established provisioned population. Call it after the advisory lock, in a statement of
 * its own: its snapshot then sees every deprovisioning committed before the lock was granted.
 */
export async function readBrakeDecision(
  em: EntityManager,
  tenantId: string,
  established: readonly string[],
  releasedDays: number,
  defaults: { percent: number; minimum: number; windowSeconds: number; youngUserSeconds: number },
): Promise<BrakeDecisionRow> {
  const [row] = await boundRows<BrakeDecisionRow>(
    em,
    `with s as (
       select coalesce(b.percent, ?::int) as percent, coalesce(b.minimum, ?::int) as minimum,
              coalesce(b.window_seconds, ?::int) as window_seconds,
              coalesce(b.young_user_seconds, ?::int) as young_user_seconds,
              coalesce(b.released_until > now(), false) as released
         from (select) as one left join identity.deprovision_brake b on b.tenant_id = ?::uuid
     ),
     counted as (
       select e.id from unnest(?::uuid[]) as e(id)
        where not exists (select 1 from identity.held_deprovision h
                           where h.tenant_id = ?::uuid and h.status = 'RELEASED' and h.user_ids @> array[e.id]
                             and h.decided_at > now() - make_interval(days => ?::int))
     ),
     go as (select not s.released and exists (select 1 from counted) as counting from s)
     select s.percent, s.minimum, s.window_seconds, s.released,
            (select count(*)::int from counted) as counted,
            case when go.counting then
              (select count(*)::int from identity.idp_deprovision
                where tenant_id = ?::uuid and at > now() - make_interval(secs => s.window_seconds)) end as recent,
            case when go.counting then
              (select count(*)::int from identity.app_user u
                where u.tenant_id = ?::uuid and u.state = 'PROVISIONED'
                  and ${establishedSql("s.window_seconds", "s.young_user_seconds")}) end as provisioned
       from s, go`,
    [
      defaults.percent,
      defaults.minimum,
      defaults.windowSeconds,
      defaults.youngUserSeconds,
      tenantId,
      pgArray(established),
      tenantId,
      releasedDays,
      tenantId,
      tenantId,
    ],
  );
  if (!row) throw new Error("brake decision read no row");
  return row;
}
