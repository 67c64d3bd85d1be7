import { createHash, randomUUID } from "node:crypto";
import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { type Logger, requestContext } from "@cosafe/logging";
import { LicenseService, type Seat } from "@cosafe/proto/licensing";
import {
  actorHeaders,
  type CallContext,
  createServiceTransport,
  type ServiceCredential,
  systemActor,
} from "@cosafe/rpc";
import type { MikroORM } from "@mikro-orm/postgresql";
import { deprovisionedUsersAmong } from "../../storage/seat-release-queries.js";
import { recordAudit } from "../audit/record-audit.js";
import type { SeatReleaseOutbox } from "./seat-release-outbox.js";

export interface SeatReconciliationOptions {
  /** Time between periodic runs. */
  intervalMs: number;
  /** Seats younger than this belong to requests in flight and are left alone. */
  gracePeriodSeconds: number;
}

/** One fixed (or reported) seat of a tenant. */
export interface SeatFix {
  tenantId: string;
  userId: string;
  seatId: string;
}

/** What one reconciliation run found and fixed (R19). */
export interface SeatReconciliationReport {
  tenants: number;
  /** Seats no provisioned user held, released in licensing. */
  released: SeatFix[];
  /** Provisioned users without a seat that got one; the id was written back to the user. */
  granted: SeatFix[];
  /**
   * Seats licensing holds for users identity-core knows as deprovisioned: released at once
   * through the seat-release outbox, whatever their age (no grace: nothing is in flight).
   */
  releasedKnown: SeatFix[];
  /** Provisioned users whose stored seat id was corrected to the seat they hold. */
  reassigned: SeatFix[];
  /** Provisioned users left without a seat because the limit is reached; nobody lost access. */
  overruns: { tenantId: string; userId: string }[];
  /** Tenants whose reconciliation failed (logged); the next run tries again. */
  failedTenants: string[];
}

const unreachable = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.Canceled]);

/** Advisory lock key: one reconciliation at a time across every identity-core replica. */
export const seatReconciliationLockKey = BigInt.asIntN(
  64,
  BigInt(`0x${createHash("sha256").update("identity:seat-reconciliation").digest("hex").slice(0, 16)}`),
).toString();

/**
 * Brings licensing's seats and identity-core's provisioned users back into agreement after a
 * crash of either service mid-saga (R19; docs/adr/0009-seat-ledger.md). Periodic, and on
 * demand; one replica at a time under a PostgreSQL advisory lock. Per tenant it sends the
 * provisioned users (with the seat id each stores) to licensing's ReconcileSeats, which
 * releases stray seats older than the grace period, grants missing seats within the limit
 * and reports overruns. The seat ids licensing returns are written back to the users, each
 * with an audit event; an overrun is logged for support and takes no access away.
 */
export class SeatReconciliation {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;

  constructor(
    private readonly orm: MikroORM,
    private readonly licensing: Client<typeof LicenseService>,
    private readonly seats: SeatReleaseOutbox,
    private readonly logger: Logger,
    private readonly options: SeatReconciliationOptions,
  ) {}

  /** A reconciliation calling licensing at `url` as `credential.service`. */
  static connect(
    orm: MikroORM,
    seats: SeatReleaseOutbox,
    logger: Logger,
    options: SeatReconciliationOptions & { url: string; credential: ServiceCredential; timeoutMs?: number },
  ): SeatReconciliation {
    const transport = createServiceTransport({
      baseUrl: options.url,
      credential: options.credential,
      timeoutMs: options.timeoutMs ?? 60_000,
    });
    return new SeatReconciliation(orm, createClient(LicenseService, transport), seats, logger, options);
  }

  /** Starts the periodic runs (the first after one interval). */
  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Stops scheduling and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const run = this.run({})
        .catch((error: unknown) => this.logger.error({ err: error }, "seat reconciliation failed"))
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
      this.running = run;
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /**
   * Runs once, for every tenant or for one. Answers undefined when another replica is
   * reconciling and `wait` is false; with `wait` it queues behind that run.
   */
  async run(options: { tenantId?: string; wait?: boolean }): Promise<SeatReconciliationReport | undefined> {
    const requestId = randomUUID();
    return requestContext.run({ requestId }, () =>
      this.orm.em.fork().transactional(async (em) => {
        // The lock lives in this transaction: released at its end, or when the connection dies.
        if (options.wait) await em.execute("select pg_advisory_xact_lock(?)", [seatReconciliationLockKey]);
        else {
          const [row] = (await em.execute("select pg_try_advisory_xact_lock(?) as locked", [
            seatReconciliationLockKey,
          ])) as {
            locked: boolean;
          }[];
          if (!row?.locked) return undefined;
        }
        const call: CallContext = {
          service: "identity-core",
          actor: systemActor("seat-reconciliation"),
          requestId,
        };
        const report: SeatReconciliationReport = {
          tenants: 0,
          released: [],
          releasedKnown: [],
          granted: [],
          reassigned: [],
          overruns: [],
          failedTenants: [],
        };
        const tenants = options.tenantId
          ? [options.tenantId]
          : ((await em.execute("select id from identity.tenant order by id")) as { id: string }[]).map(
              (t) => t.id,
            );
        for (const tenantId of tenants) {
          try {
            await this.reconcileTenant(call, tenantId, report);
            report.tenants++;
          } catch (error) {
            // Licensing unreachable: every other tenant would fail the same way.
            if (error instanceof ConnectError && unreachable.has(error.code)) throw error;
            this.logger.error({ err: error, tenantId }, "seat reconciliation of a tenant failed");
            report.failedTenants.push(tenantId);
          }
        }
        const changed =
          report.released.length +
          report.releasedKnown.length +
          report.granted.length +
          report.reassigned.length;
        if (changed > 0 || report.overruns.length > 0)
          this.logger.info(
            {
              tenants: report.tenants,
              released: report.released.length,
              releasedKnown: report.releasedKnown.length,
              granted: report.granted.length,
              reassigned: report.reassigned.length,
              overruns: report.overruns.length,
            },
            "seat reconciliation changed seats",
          );
        return report;
      }),
    );
  }

  private async reconcileTenant(call: CallContext, tenantId: string, report: SeatReconciliationReport) {
    const snapshotAt = Date.now();
    const users = (await this.orm.em
      .fork()
      .getConnection()
      .execute(
        `select id, seat_id from identity.app_user
          where tenant_id = ? and state = 'PROVISIONED' order by created_at, id`,
        [tenantId],
      )) as { id: string; seat_id: string | null }[];
    const stored = new Map(users.map((u) => [u.id, u.seat_id]));
    // A seat allocated just before the snapshot by a request still in flight must look
    // young to licensing: stretch the grace period by the snapshot's age (whole seconds;
    // the grace period itself is meant to be far longer than a request).
    const graceSeconds = this.options.gracePeriodSeconds + Math.floor((Date.now() - snapshotAt) / 1000);
    const result = await this.licensing.reconcileSeats(
      {
        tenantId,
        provisionedUsers: users.map((u) => ({ userId: u.id, seatId: u.seat_id ?? "" })),
        gracePeriodSeconds: graceSeconds,
      },
      { headers: actorHeaders(call.actor) },
    );
    const writeBack = [
      ...result.grantedSeats.map((seat) => ({ seat, action: "user.seat_granted", list: report.granted })),
      ...result.reassignedSeats.map((seat) => ({
        seat,
        action: "user.seat_reassigned",
        list: report.reassigned,
      })),
    ];
    const orphaned: Seat[] = [];
    await this.orm.em.fork().transactional(async (em) => {
      for (const { seat, action, list } of writeBack) {
        const before = stored.get(seat.userId) ?? null;
        const updated = (await em.execute(
          `update identity.app_user set seat_id = ?
            where id = ? and tenant_id = ? and state = 'PROVISIONED' and seat_id is not distinct from ?
           returning id`,
          [seat.id, seat.userId, tenantId, before],
        )) as { id: string }[];
        if (updated.length === 0) {
          orphaned.push(seat);
          continue;
        }
        recordAudit(em, call, {
          tenantId,
          action,
          targetType: "user",
          targetId: seat.userId,
          before: { seatId: before },
          after: { seatId: seat.id },
        });
        list.push({ tenantId, userId: seat.userId, seatId: seat.id });
      }
      for (const seat of result.releasedSeats) {
        recordAudit(em, call, {
          tenantId,
          action: "seat.stray_released",
          targetType: "seat",
          targetId: seat.id,
          before: { seatId: seat.id, userId: seat.userId },
          after: null,
        });
        report.released.push({ tenantId, userId: seat.userId, seatId: seat.id });
      }
    });
    await this.settleOrphans(tenantId, orphaned);
    await this.releaseKnownStrays(call, tenantId, report);
    for (const userId of result.overrunUserIds) report.overruns.push({ tenantId, userId });
    if (result.overrunUserIds.length > 0)
      this.logger.warn(
        { tenantId, users: result.overrunUserIds },
        "seat overrun: provisioned users without a seat and the licence is full; access kept, support must raise the limit (R19)",
      );
  }

  /**
   * The grace period covers allocations in flight, never releases known to be owed
   * (docs/adr/0013-seat-release-outbox.md): seats licensing still holds for users
   * identity-core knows as deprovisioned go to the outbox, and the tenant's outbox is drained
   * now. The outbox skips a user a re-activation holds locked, and drops a release whose user
   * is provisioned with that seat by then.
   */
  private async releaseKnownStrays(call: CallContext, tenantId: string, report: SeatReconciliationReport) {
    const held: Seat[] = [];
    let pageToken = "";
    do {
      const page = await this.licensing.listSeats(
        { tenantId, pageSize: 10_000, pageToken },
        { headers: actorHeaders(call.actor) },
      );
      held.push(...page.seats);
      pageToken = page.nextPageToken;
    } while (pageToken);
    const deprovisioned = await deprovisionedUsersAmong(
      this.orm.em.fork(),
      tenantId,
      held.map((seat) => seat.userId),
    );
    const known = held.filter((seat) => deprovisioned.has(seat.userId.toLowerCase()));
    if (known.length > 0)
      await this.seats.releaseMany(
        tenantId,
        known.map((seat) => ({ seatId: seat.id, userId: seat.userId })),
      );
    await this.seats.drain({ tenantId });
    for (const seat of known) report.releasedKnown.push({ tenantId, userId: seat.userId, seatId: seat.id });
  }

  /**
   * A user changed between the snapshot and the write-back. A user no longer provisioned
   * gets its seat released now; one that already stores this seat is consistent; anything
   * else is left to the next run.
   */
  private async settleOrphans(tenantId: string, seats: Seat[]): Promise<void> {
    if (seats.length === 0) return;
    const connection = this.orm.em.fork().getConnection();
    for (const seat of seats) {
      const [user] = (await connection.execute(
        "select state, seat_id from identity.app_user where id = ? and tenant_id = ?",
        [seat.userId, tenantId],
      )) as { state: string; seat_id: string | null }[];
      if (user?.state === "PROVISIONED") continue;
      await this.seats.release(tenantId, seat.id, seat.userId);
    }
  }
}
