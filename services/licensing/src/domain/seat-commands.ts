import { randomUUID } from "node:crypto";
import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { boundQuery, isUuid } from "@cosafe/storage";
import type { MikroORM } from "@mikro-orm/postgresql";
import { licenseErrors } from "./license-errors.js";
import { nextPageToken, type PageRequest, pageRequest } from "./page.js";

/** One seat as callers see it. */
export interface SeatView {
  id: string;
  tenantId: string;
  userId: string;
  createdAt: Date;
}

/** A provisioned user as identity-core reports it, with the seat id it stores ("" for none). */
export interface ProvisionedUser {
  userId: string;
  seatId: string;
}

export interface ReconcileReport {
  released: SeatView[];
  granted: SeatView[];
  reassigned: SeatView[];
  overrunUserIds: string[];
}

/** A seat row as raw SQL returns it (timestamps as text); `views` hydrates it. */
interface SeatRow {
  id: string;
  tenant_id: string;
  user_id: string;
  created_at: string;
}

/** SQLSTATE raised by the seat trigger when an insert would exceed the limit (migration 0002). */
const limitReachedState = "CS001";

/** Most users one AllocateSeats call may name. */
const maxBatch = 1000;

/**
 * Inserts seats (from `wanted`: id, user_id) and their audit rows in ONE statement. The
 * trigger on licensing.seat checks and bumps the licence counter at the end of the
 * statement, so the licence row is locked from there to commit only. An existing seat
 * of the same user is left alone (idempotent per tenant and user). A `not_after` (the
 * caller's deadline) past at execution time inserts nothing: a request that reached us after
 * its caller gave up never leaves a stray seat (docs/adr/0013-seat-release-outbox.md).
 */
export const insertSeatsSql = `
  with wanted as (select * from jsonb_to_recordset(?::jsonb) as w(id uuid, user_id uuid, not_after timestamptz)),
  new_seat as (
    insert into licensing.seat (id, tenant_id, user_id)
    select w.id, ?, w.user_id from wanted w where w.not_after is null or clock_timestamp() <= w.not_after
    on conflict (tenant_id, user_id) do nothing
    returning id, tenant_id, user_id, created_at
  ),
  audit as (
    insert into licensing.audit_event (tenant_id, actor_id, actor_role, action, before, after, request_id)
    select tenant_id, ?, ?, 'seat.allocated', null,
           jsonb_build_object('seatId', id, 'userId', user_id, 'cause', ?::text), ?
      from new_seat
  )
  select id, tenant_id, user_id, created_at from new_seat`;

/**
 * The seats some users already hold, handed out again: an allocation that finds its user's
 * seat returns it and, while the allocation is still within its deadline (the first two
 * values; null for none), moves the seat's `granted_at` to now, so a late release by user id for an earlier
 * allocation that went unanswered no longer matches it (migration 0003).
 */
const regrantSeatsSql = `
  update licensing.seat s
     set granted_at = case when ?::timestamptz is null or clock_timestamp() <= ?::timestamptz
                           then clock_timestamp() else s.granted_at end
   where s.tenant_id = ? and s.user_id in (select jsonb_array_elements_text(?::jsonb)::uuid)
  returning s.id, s.tenant_id, s.user_id, s.created_at`;

/** Deletes seats matching a condition and audits each, in one statement; the trigger lowers the counter. */
const deleteSeatsSql = (condition: string) => `
  with gone as (
    delete from licensing.seat s where ${condition}
    returning s.id, s.tenant_id, s.user_id, s.created_at
  ),
  audit as (
    insert into licensing.audit_event (tenant_id, actor_id, actor_role, action, before, after, request_id)
    select tenant_id, ?, ?, 'seat.released',
           jsonb_build_object('seatId', id, 'userId', user_id, 'cause', ?::text), null, ?
      from gone
  )
  select id, tenant_id, user_id, created_at from gone`;

function limitRefusal(error: unknown): Error | undefined {
  const e = error as { code?: string; detail?: string };
  if (e?.code !== limitReachedState) return undefined;
  const counts = JSON.parse(e.detail ?? "{}") as { seatsInUse?: number; seatLimit?: number };
  return licenseErrors.limitReached(counts.seatsInUse ?? 0, counts.seatLimit ?? 0);
}

function requireRole(call: CallContext, allowed: readonly Role[]): void {
  if (!allowed.includes(call.actor.role)) throw licenseErrors.roleNotAllowed(Role[call.actor.role]);
}

function requireUuid(value: string, error: () => Error): void {
  if (!isUuid(value)) throw error();
}

/**
 * Seats (R9, R19; docs/adr/0009-seat-ledger.md). Every change is one autocommit statement
 * that writes the seat, the licence counter (trigger) and the audit row together.
 */
export class SeatCommands {
  constructor(private readonly orm: MikroORM) {}

  /**
   * Runs SQL with bound parameters (knex, `?` placeholders). Unlike the ORM's `execute`, which
   * inlines values into the text, this sends them separately: no client-side escaping of the
   * megabytes a large tenant's reconciliation carries, and no re-quoting on the hot path.
   */
  private async query<T>(sql: string, params: unknown[]): Promise<T[]> {
    return boundQuery<T>(this.orm.em.getKnex(), sql, params);
  }

  /** Converts raw rows (timestamps arrive as PostgreSQL text) without an entity manager. */
  private views(rows: SeatRow[]): SeatView[] {
    const platform = this.orm.em.getPlatform();
    return rows.map((row) => ({
      id: row.id,
      tenantId: row.tenant_id,
      userId: row.user_id,
      createdAt: platform.parseDate(row.created_at) as Date,
    }));
  }

  private view(row: SeatRow): SeatView {
    return this.views([row])[0] as SeatView;
  }

  /**
   * Takes a seat for a user, or returns the one it holds. Only the SYSTEM actor allocates.
   * With `notAfter`, nothing is taken once it has passed (ALLOCATION_EXPIRED).
   */
  async allocate(call: CallContext, tenantId: string, userId: string, notAfter?: Date): Promise<SeatView> {
    requireRole(call, [Role.SYSTEM]);
    requireUuid(tenantId, licenseErrors.invalidTenantId);
    requireUuid(userId, licenseErrors.invalidUserId);
    // A concurrent release of the user's seat between the insert and the read can make
    // both find nothing; the next attempt then allocates afresh.
    for (;;) {
      const [created] = (await this.query(insertSeatsSql, [
        JSON.stringify([{ id: randomUUID(), user_id: userId, not_after: notAfter?.toISOString() ?? null }]),
        tenantId,
        ...this.auditActor(call, "allocate"),
      ]).catch((error: unknown) => {
        throw limitRefusal(error) ?? error;
      })) as SeatRow[];
      if (created) return this.view(created);
      const deadline = notAfter?.toISOString() ?? null;
      const [held] = (await this.query(regrantSeatsSql, [
        deadline,
        deadline,
        tenantId,
        JSON.stringify([userId]),
      ])) as SeatRow[];
      if (held) return this.view(held);
      if (notAfter && Date.now() > notAfter.getTime()) throw licenseErrors.allocationExpired();
    }
  }

  /**
   * Takes seats for several users of one tenant with ONE insert (AllocateSeats, group commit,
   * docs/adr/0021-seat-group-commit.md), or returns those they hold. All or nothing: the seat
   * trigger refuses the whole statement when the seats do not all fit (LICENSE_LIMIT_REACHED).
   */
  async allocateMany(
    call: CallContext,
    tenantId: string,
    userIds: readonly string[],
    notAfter?: Date,
  ): Promise<SeatView[]> {
    requireRole(call, [Role.SYSTEM]);
    requireUuid(tenantId, licenseErrors.invalidTenantId);
    if (userIds.length === 0 || userIds.length > maxBatch) throw licenseErrors.invalidUserIds(maxBatch);
    for (const userId of userIds) requireUuid(userId, () => licenseErrors.invalidUserId("user_ids"));
    const distinct = [...new Set(userIds)];
    const notAfterText = notAfter?.toISOString() ?? null;
    for (;;) {
      const created = (await this.query(insertSeatsSql, [
        JSON.stringify(
          distinct.map((userId) => ({ id: randomUUID(), user_id: userId, not_after: notAfterText })),
        ),
        tenantId,
        ...this.auditActor(call, "allocate"),
      ]).catch((error: unknown) => {
        throw limitRefusal(error) ?? error;
      })) as SeatRow[];
      const seats = new Map(created.map((row) => [row.user_id, row]));
      if (seats.size < distinct.length) {
        const held = (await this.query(regrantSeatsSql, [
          notAfterText,
          notAfterText,
          tenantId,
          JSON.stringify(distinct.filter((userId) => !seats.has(userId))),
        ])) as SeatRow[];
        for (const row of held) seats.set(row.user_id, row);
      }
      const rows = distinct.map((userId) => seats.get(userId));
      if (rows.every((row) => row !== undefined)) return this.views(rows as SeatRow[]);
      // As in `allocate`: a release raced the read, or the deadline passed before the insert.
      if (notAfter && Date.now() > notAfter.getTime()) throw licenseErrors.allocationExpired();
    }
  }

  /**
   * Releases the seat a user holds (its id is unknown to the caller); none held changes nothing.
   * With `grantedNotAfter` (the deadline of an allocation whose answer never came), only a seat
   * last granted no later is released: a seat that a later allocation was handed stays (R9).
   */
  async releaseOfUser(
    call: CallContext,
    tenantId: string,
    userId: string,
    grantedNotAfter?: Date,
  ): Promise<SeatView | undefined> {
    requireRole(call, [Role.SYSTEM]);
    requireUuid(tenantId, licenseErrors.invalidTenantId);
    requireUuid(userId, licenseErrors.invalidUserId);
    const condition =
      "s.tenant_id = ? and s.user_id = ? and (?::timestamptz is null or s.granted_at <= ?::timestamptz)";
    const deadline = grantedNotAfter?.toISOString() ?? null;
    const [gone] = (await this.query(deleteSeatsSql(condition), [
      tenantId,
      userId,
      deadline,
      deadline,
      ...this.auditActor(call, "release"),
    ])) as SeatRow[];
    return gone ? this.view(gone) : undefined;
  }

  /** Releases a seat by id; releasing an unknown or released seat changes nothing. */
  async release(call: CallContext, tenantId: string, seatId: string): Promise<SeatView | undefined> {
    requireRole(call, [Role.SYSTEM]);
    requireUuid(tenantId, licenseErrors.invalidTenantId);
    requireUuid(seatId, licenseErrors.invalidSeatId);
    const [gone] = (await this.query(deleteSeatsSql("s.tenant_id = ? and s.id = ?"), [
      tenantId,
      seatId,
      ...this.auditActor(call, "release"),
    ])) as SeatRow[];
    return gone ? this.view(gone) : undefined;
  }

  async list(
    call: CallContext,
    tenantId: string,
    input: { pageSize: number; pageToken: string },
  ): Promise<{ seats: SeatView[]; total: number; nextPageToken: string }> {
    requireRole(call, [Role.SUPPORT, Role.SYSTEM]);
    requireUuid(tenantId, licenseErrors.invalidTenantId);
    const page: PageRequest = pageRequest(input, { defaultSize: 1000, max: 10_000 });
    const [{ total }] = (await this.query(
      "select count(*)::int as total from licensing.seat where tenant_id = ?",
      [tenantId],
    )) as [{ total: number }];
    const rows =
      total > page.offset
        ? ((await this.query(
            `select id, tenant_id, user_id, created_at from licensing.seat
              where tenant_id = ? order by created_at, id limit ? offset ?`,
            [tenantId, page.limit, page.offset],
          )) as SeatRow[])
        : [];
    return { seats: this.views(rows), total, nextPageToken: nextPageToken(page, rows.length, total) };
  }

  /**
   * Brings the tenant's seats in line with its provisioned users (R19): releases seats no
   * provisioned user holds once they are older than the grace period (younger ones belong
   * to requests in flight), reports users holding a seat under another id, grants missing
   * seats within the limit in the order given, and reports the rest as overruns — no seat
   * is ever taken from a provisioned user. Each step is one audited statement.
   */
  async reconcile(
    call: CallContext,
    tenantId: string,
    provisioned: ProvisionedUser[],
    gracePeriodSeconds: number,
  ): Promise<ReconcileReport> {
    requireRole(call, [Role.SYSTEM]);
    requireUuid(tenantId, licenseErrors.invalidTenantId);
    if (!Number.isInteger(gracePeriodSeconds) || gracePeriodSeconds < 0)
      throw licenseErrors.invalidGracePeriod();
    const users = new Map<string, string | null>();
    provisioned.forEach((user, i) => {
      requireUuid(user.userId, () => licenseErrors.invalidUserId(`provisioned_users[${i}].user_id`));
      if (user.seatId !== "")
        requireUuid(user.seatId, () => licenseErrors.invalidSeatId(`provisioned_users[${i}].seat_id`));
      users.set(user.userId.toLowerCase(), user.seatId === "" ? null : user.seatId.toLowerCase());
    });
    const reported = JSON.stringify([...users].map(([user_id, seat_id]) => ({ user_id, seat_id })));

    const released = (await this.query(
      deleteSeatsSql(`s.tenant_id = ? and s.created_at < now() - make_interval(secs => ?)
        and not exists (
          select 1 from jsonb_to_recordset(?::jsonb) as p(user_id uuid) where p.user_id = s.user_id)`),
      [tenantId, gracePeriodSeconds, reported, ...this.auditActor(call, "reconcile")],
    )) as SeatRow[];

    const reassigned = (await this.query(
      `select s.id, s.tenant_id, s.user_id, s.created_at
         from licensing.seat s join jsonb_to_recordset(?::jsonb) as p(user_id uuid, seat_id uuid) on p.user_id = s.user_id
        where s.tenant_id = ? and s.id is distinct from p.seat_id`,
      [reported, tenantId],
    )) as SeatRow[];
    const missing = (
      (await this.query(
        `select p.user_id from rows from (jsonb_to_recordset(?::jsonb) as (user_id uuid)) with ordinality as p(user_id, n)
          where not exists (select 1 from licensing.seat s where s.tenant_id = ? and s.user_id = p.user_id)
          order by p.n`,
        [reported, tenantId],
      )) as { user_id: string }[]
    ).map((row) => row.user_id);
    const report = { released: this.views(released), reassigned: this.views(reassigned) };
    if (missing.length === 0) return { ...report, granted: [], overrunUserIds: [] };
    await this.grant(call, tenantId, missing);
    const nowHeld = await this.seatsOf(tenantId, JSON.stringify(missing.map((user_id) => ({ user_id }))));
    return {
      ...report,
      granted: [...nowHeld.values()],
      overrunUserIds: missing.filter((userId) => !nowHeld.has(userId)),
    };
  }

  /** Grants seats to `missing` users, in order, as far as the limit allows. */
  private async grant(call: CallContext, tenantId: string, missing: string[]): Promise<void> {
    const [license] = (await this.query(
      "select seat_limit, seats_in_use from licensing.license where tenant_id = ?",
      [tenantId],
    )) as { seat_limit: number; seats_in_use: number }[];
    const free = Math.max(0, (license?.seat_limit ?? 0) - (license?.seats_in_use ?? 0));
    const candidates = missing.slice(0, free);
    const insert = (userIds: string[]) =>
      this.query(insertSeatsSql, [
        JSON.stringify(userIds.map((user_id) => ({ id: randomUUID(), user_id }))),
        tenantId,
        ...this.auditActor(call, "reconcile"),
      ]);
    try {
      if (candidates.length > 0) await insert(candidates);
    } catch (error) {
      if (!limitRefusal(error)) throw error;
      // Concurrent allocations took some of the free seats: grant one by one until full.
      for (const userId of candidates) {
        try {
          await insert([userId]);
        } catch (single) {
          if (!limitRefusal(single)) throw single;
          break;
        }
      }
    }
  }

  private async seatsOf(tenantId: string, userIds: string): Promise<Map<string, SeatView>> {
    const rows = (await this.query(
      `select s.id, s.tenant_id, s.user_id, s.created_at
         from licensing.seat s join jsonb_to_recordset(?::jsonb) as p(user_id uuid) on p.user_id = s.user_id
        where s.tenant_id = ?`,
      [userIds, tenantId],
    )) as SeatRow[];
    return new Map(this.views(rows).map((seat) => [seat.userId, seat]));
  }

  /** actor id, actor role, cause, request id — the audit columns of every seat change. */
  private auditActor(call: CallContext, cause: string): [string, string, string, string] {
    return [call.actor.id, Role[call.actor.role], cause, call.requestId];
  }
}
