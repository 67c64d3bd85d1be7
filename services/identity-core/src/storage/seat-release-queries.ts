import type { EntityManager } from "@mikro-orm/postgresql";
import { pgArray } from "./sql/pg-array.js";

/**
 * SQL of the seat-release outbox `identity.seat_release` (migration 0008,
 * docs/adr/0013-seat-release-outbox.md). Every function runs in the caller's transaction.
 */

/** A release identity-core owes licensing. `seatId` null: whatever seat the user holds. */
export interface PendingRelease {
  id: string;
  tenantId: string;
  userId: string | null;
  seatId: string | null;
  attempts: number;
  /** With seatId null: release only a seat granted no later (the unanswered allocation's deadline). */
  grantedNotAfter: Date | null;
}

/** Owes licensing the release of these seats (idempotent per seat). */
export async function insertSeatReleases(
  em: EntityManager,
  tenantId: string,
  seats: readonly { userId: string | null; seatId: string }[],
): Promise<void> {
  if (seats.length === 0) return;
  await em.execute(
    `insert into identity.seat_release (tenant_id, user_id, seat_id)
     select ?::uuid, nullif(s.user_id, '')::uuid, s.seat_id
       from unnest(?::text[], ?::uuid[]) as s(user_id, seat_id)
     on conflict (seat_id) where seat_id is not null do nothing`,
    [tenantId, pgArray(seats.map((s) => s.userId ?? "")), pgArray(seats.map((s) => s.seatId))],
  );
}

/**
 * Owes licensing the release of the seat the user holds — an allocation whose answer never
 * came — not before `notBefore` (past the allocation's deadline), and only of a seat granted
 * no later than that deadline, `grantedNotAfter`. Two such allocations owe one release, up to
 * the later deadline.
 */
export async function insertUserSeatRelease(
  em: EntityManager,
  tenantId: string,
  userId: string,
  notBefore: Date,
  grantedNotAfter: Date,
): Promise<void> {
  await em.execute(
    `insert into identity.seat_release (tenant_id, user_id, seat_id, next_attempt_at, granted_not_after)
     values (?, ?, null, ?, ?)
     on conflict (user_id) where seat_id is null
     do update set next_attempt_at = greatest(seat_release.next_attempt_at, excluded.next_attempt_at),
                   granted_not_after = greatest(seat_release.granted_not_after, excluded.granted_not_after)`,
    [tenantId, userId, notBefore, grantedNotAfter],
  );
}

/**
 * Drops the pending releases of users being re-provisioned (they may be handed the very seat
 * a release names). Waits for a drainer working on one of them. Answers the seat ids dropped.
 */
export async function deleteSeatReleasesOfUsers(
  em: EntityManager,
  tenantId: string,
  userIds: readonly string[],
): Promise<string[]> {
  if (userIds.length === 0) return [];
  const rows = (await em.execute(
    "delete from identity.seat_release where tenant_id = ? and user_id = any(?::uuid[]) returning seat_id",
    [tenantId, pgArray(userIds)],
  )) as { seat_id: string | null }[];
  return rows.flatMap((r) => (r.seat_id ? [r.seat_id] : []));
}

/**
 * Claims pending releases, row-locked; rows another drainer holds are skipped. `due` limits
 * the claim to rows whose next attempt has come; `seatIds`/`userIds` to those releases.
 */
export async function claimSeatReleases(
  em: EntityManager,
  filter: { due?: boolean; tenantId?: string; seatIds?: readonly string[]; userIds?: readonly string[] },
  limit: number,
): Promise<PendingRelease[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.due) where.push("next_attempt_at <= now()");
  if (filter.tenantId) {
    where.push("tenant_id = ?");
    params.push(filter.tenantId);
  }
  const named: string[] = [];
  if (filter.seatIds) {
    named.push("seat_id = any(?::uuid[])");
    params.push(pgArray(filter.seatIds));
  }
  if (filter.userIds) {
    named.push("(seat_id is null and user_id = any(?::uuid[]))");
    params.push(pgArray(filter.userIds));
  }
  if (named.length > 0) where.push(`(${named.join(" or ")})`);
  params.push(limit);
  const rows = (await em.execute(
    `select id, tenant_id, user_id, seat_id, attempts, granted_not_after from identity.seat_release
      ${where.length > 0 ? `where ${where.join(" and ")}` : ""}
      order by id limit ? for update skip locked`,
    params,
  )) as {
    id: string;
    tenant_id: string;
    user_id: string | null;
    seat_id: string | null;
    attempts: number;
    granted_not_after: Date | string | null;
  }[];
  return rows.map((r) => ({
    id: String(r.id),
    tenantId: r.tenant_id,
    userId: r.user_id,
    seatId: r.seat_id,
    attempts: r.attempts,
    grantedNotAfter: r.granted_not_after === null ? null : new Date(r.granted_not_after),
  }));
}

/** What a release must know of the user it concerns, read under the user's row lock. */
export interface ReleaseHolder {
  /** The user row exists but another transaction holds it (a re-activation in flight). */
  busy: boolean;
  /** The user is provisioned and holds this release's seat (or, by user, any seat). */
  inUse: boolean;
}

/**
 * Locks the user a release concerns (skipping a user another transaction holds) and tells
 * whether the seat is in use. Without a user id, looks for a user storing the seat.
 */
export async function lockReleaseHolder(em: EntityManager, release: PendingRelease): Promise<ReleaseHolder> {
  if (!release.userId) {
    const rows = (await em.execute("select 1 from identity.app_user where seat_id = ? limit 1", [
      release.seatId,
    ])) as unknown[];
    return { busy: false, inUse: rows.length > 0 };
  }
  const [row] = (await em.execute(
    `with locked as (
       select id, state, seat_id from identity.app_user where id = ? for update skip locked
     )
     select exists (select 1 from identity.app_user where id = ?) as present,
            (select count(*) from locked)::int as locked,
            (select state from locked) as state,
            (select seat_id from locked) as seat_id`,
    [release.userId, release.userId],
  )) as { present: boolean; locked: number; state: string | null; seat_id: string | null }[];
  if (!row?.present) return { busy: false, inUse: false };
  if (row.locked === 0) return { busy: true, inUse: false };
  const provisioned = row.state === "PROVISIONED";
  const inUse =
    provisioned && (release.seatId === null || row.seat_id?.toLowerCase() === release.seatId.toLowerCase());
  return { busy: false, inUse };
}

/** Deletes releases that are done (confirmed by licensing, or moot). */
export async function deleteSeatReleases(em: EntityManager, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await em.execute("delete from identity.seat_release where id = any(?::bigint[])", [pgArray(ids)]);
}

/**
 * Schedules the next attempt of releases licensing did not confirm: `baseMs` doubled per
 * attempt, at most `maxMs`.
 */
export async function rescheduleSeatReleases(
  em: EntityManager,
  ids: readonly string[],
  delay: { baseMs: number; maxMs: number; countAttempt: boolean },
  error: string | null,
): Promise<void> {
  if (ids.length === 0) return;
  await em.execute(
    `update identity.seat_release
        set attempts = attempts + ?,
            next_attempt_at = now() + make_interval(secs => least(? * power(2, least(attempts, 20)), ?) / 1000.0),
            last_error = coalesce(?, last_error)
      where id = any(?::bigint[])`,
    [delay.countAttempt ? 1 : 0, delay.baseMs, delay.maxMs, error, pgArray(ids)],
  );
}

/** How many releases are pending, and how old the oldest is (seconds); for logs and tests. */
export async function countSeatReleases(
  em: EntityManager,
): Promise<{ pending: number; oldestSeconds: number }> {
  const [row] = (await em.execute(
    `select count(*)::int as pending,
            coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as oldest
       from identity.seat_release`,
  )) as { pending: number; oldest: number }[];
  return { pending: row?.pending ?? 0, oldestSeconds: row?.oldest ?? 0 };
}

/** Of the given users of a tenant, those identity-core knows as deprovisioned. */
export async function deprovisionedUsersAmong(
  em: EntityManager,
  tenantId: string,
  userIds: readonly string[],
): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = (await em.execute(
    "select id from identity.app_user where tenant_id = ? and id = any(?::uuid[]) and state = 'DEPROVISIONED'",
    [tenantId, pgArray(userIds)],
  )) as { id: string }[];
  return new Set(rows.map((r) => r.id.toLowerCase()));
}
