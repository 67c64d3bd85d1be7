import type { Logger } from "@cosafe/logging";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import {
  claimSeatReleases,
  deleteSeatReleases,
  insertSeatReleases,
  insertUserSeatRelease,
  lockReleaseHolder,
  type PendingRelease,
  rescheduleSeatReleases,
} from "../../storage/seat-release-queries.js";
import { DomainError } from "../domain-error.js";
import type { SeatAuthority, SeatLedger } from "../seats.js";

export interface SeatReleaseOutboxOptions {
  /**
   * Time between two looks at the outbox by the background drainer while releases are
   * pending (default 1000 ms); five times as long while the last look found none.
   */
  drainIntervalMs?: number;
  /** First wait after a release licensing did not confirm, doubled per attempt (default 500 ms). */
  retryBaseMs?: number;
  /** Longest wait between two attempts of one release (default 2000 ms). */
  retryMaxMs?: number;
  /**
   * How long after an allocation's deadline its release by user id waits (default 2000 ms):
   * covers the clock difference between identity-core and licensing's database.
   */
  clockSkewMs?: number;
  /** Releases claimed per transaction (default 100). */
  batchSize?: number;
}

/** Which pending releases a drain works on. */
export interface DrainFilter {
  tenantId?: string;
  seatIds?: readonly string[];
  userIds?: readonly string[];
}

/**
 * The seat ledger identity-core's domain uses (R9, R19; docs/adr/0013-seat-release-outbox.md).
 *
 * Allocation goes to the seat authority with a deadline. When no answer came, a seat may
 * still exist for the user: the outbox owes licensing its release by user id, not before the
 * deadline (plus clock skew) has passed — licensing takes no seat after it.
 *
 * A release is durable: the seat is written to `identity.seat_release` (by a deprovisioning
 * in its own transaction; otherwise here) and tried at once with a short deadline; what
 * licensing does not confirm stays and is retried by the background drainer every
 * `retryBaseMs`…`retryMaxMs` on every replica (`for update skip locked`) until it is.
 *
 * A release never takes a seat a user holds: before releasing, the drainer locks the user
 * (skipping a user another transaction holds, e.g. a re-activation in flight, until later)
 * and drops the release when the user is provisioned with that seat. A re-activation deletes
 * the user's pending releases in its own transaction before it allocates.
 */
export class SeatReleaseOutbox implements SeatLedger {
  private readonly drainIntervalMs: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly clockSkewMs: number;
  private readonly batchSize: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;
  /** This replica left releases pending, or found some on its last look: look again soon. */
  private pendingHint = true;

  constructor(
    private readonly orm: MikroORM,
    private readonly authority: SeatAuthority,
    private readonly logger: Logger,
    options: SeatReleaseOutboxOptions = {},
  ) {
    this.drainIntervalMs = options.drainIntervalMs ?? 1000;
    this.retryBaseMs = options.retryBaseMs ?? 500;
    this.retryMaxMs = options.retryMaxMs ?? 2000;
    this.clockSkewMs = options.clockSkewMs ?? 2000;
    this.batchSize = options.batchSize ?? 100;
  }

  async allocate(tenantId: string, userId: string): Promise<string | null> {
    const notAfter = new Date(Date.now() + this.authority.allocateBudgetMs);
    try {
      return await this.authority.allocate(tenantId, userId, notAfter);
    } catch (error) {
      if (error instanceof DomainError && error.kind === "UNAVAILABLE") {
        // Licensing may have taken the seat without our hearing of it: owe its release.
        const notBefore = new Date(notAfter.getTime() + this.clockSkewMs);
        await this.orm.em
          .fork()
          .transactional((em) => insertUserSeatRelease(em, tenantId, userId, notBefore, notAfter))
          .catch((cause: unknown) =>
            this.logger.error(
              { err: cause, tenantId, userId },
              "could not record the release of an unanswered allocation; reconciliation will drop the seat (R19)",
            ),
          );
      }
      throw error;
    }
  }

  async release(tenantId: string, seatId: string, userId?: string): Promise<void> {
    await this.releaseMany(tenantId, [{ seatId, userId }]);
  }

  async releaseOwed(tenantId: string, seatIds: readonly string[]): Promise<void> {
    if (seatIds.length > 0) await this.drain({ tenantId, seatIds });
  }

  async releaseMany(
    tenantId: string,
    seats: readonly { seatId: string; userId?: string | undefined }[],
  ): Promise<void> {
    if (seats.length === 0) return;
    try {
      await this.orm.em.fork().transactional((em) =>
        insertSeatReleases(
          em,
          tenantId,
          seats.map((s) => ({ seatId: s.seatId, userId: s.userId ?? null })),
        ),
      );
    } catch (error) {
      this.logger.error(
        { err: error, tenantId, seats: seats.length },
        "could not record seat releases; reconciliation will drop the seats (R19)",
      );
      this.pendingHint = true;
    }
    await this.drain({ tenantId, seatIds: seats.map((s) => s.seatId) });
  }

  /**
   * Tries the pending releases the filter names now (all due ones without a filter). Never
   * throws; answers how many were settled and how many are still pending among those tried.
   */
  async drain(filter?: DrainFilter): Promise<{ settled: number; pending: number }> {
    const total = { settled: 0, pending: 0 };
    try {
      for (;;) {
        const round = await this.orm.em
          .fork()
          .transactional((em) => this.drainBatch(em, filter ?? { due: true }));
        total.settled += round.settled;
        total.pending += round.pending;
        if (round.pending > 0) this.pendingHint = true;
        else if (!filter && round.claimed === 0) this.pendingHint = false;
        // A filtered drain claims its rows once; the background drainer goes on while batches are full.
        if (filter || round.claimed < this.batchSize || round.unreachable) return total;
      }
    } catch (error) {
      this.logger.error({ err: error }, "seat-release drain failed; retrying later");
      this.pendingHint = true;
      return total;
    }
  }

  private async drainBatch(
    em: EntityManager,
    filter: DrainFilter & { due?: boolean },
  ): Promise<{ claimed: number; settled: number; pending: number; unreachable: boolean }> {
    const rows = await claimSeatReleases(em, filter, this.batchSize);
    const done: string[] = [];
    const busy: string[] = [];
    const tries: PendingRelease[] = [];
    for (const row of rows) {
      const holder = await lockReleaseHolder(em, row);
      if (holder.busy) busy.push(row.id);
      else if (holder.inUse) done.push(row.id);
      else tries.push(row);
    }
    const outcomes = await Promise.allSettled(
      tries.map((row) => this.authority.release(row.tenantId, row.userId, row.seatId, row.grantedNotAfter)),
    );
    const failed: string[] = [];
    let lastError: string | null = null;
    for (const [i, outcome] of outcomes.entries()) {
      const row = tries[i] as PendingRelease;
      if (outcome.status === "fulfilled") {
        done.push(row.id);
        continue;
      }
      const error = outcome.reason as unknown;
      if (error instanceof DomainError && error.reason === "RELEASE_REFUSED") {
        this.logger.error(
          { tenantId: row.tenantId, seatId: row.seatId, userId: row.userId, err: error },
          "licensing refused a seat release; dropped, reconciliation decides (R19)",
        );
        done.push(row.id);
        continue;
      }
      lastError = error instanceof Error ? error.message : String(error);
      failed.push(row.id);
    }
    await deleteSeatReleases(em, done);
    const delay = { baseMs: this.retryBaseMs, maxMs: this.retryMaxMs };
    await rescheduleSeatReleases(em, failed, { ...delay, countAttempt: true }, lastError);
    await rescheduleSeatReleases(em, busy, { ...delay, countAttempt: false }, null);
    if (failed.length > 0)
      this.logger.warn(
        { releases: failed.length, err: lastError },
        "seat releases not confirmed by licensing; kept in the outbox and retried",
      );
    return {
      claimed: rows.length,
      settled: done.length,
      pending: failed.length + busy.length,
      unreachable: failed.length > 0,
    };
  }

  /** Starts the background drainer (every replica runs one; rows are claimed with skip locked). */
  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Stops the drainer and waits for a round in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(
      () => {
        this.running = this.drain().finally(() => {
          this.running = undefined;
          this.schedule();
        });
      },
      this.pendingHint ? this.drainIntervalMs : this.drainIntervalMs * 5,
    );
    this.timer.unref();
  }
}
