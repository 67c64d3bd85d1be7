import { createHash } from "node:crypto";
import type { Logger } from "@cosafe/logging";
import type { MikroORM } from "@mikro-orm/postgresql";

export interface ProvisioningLogPurgeOptions {
  /** How long entries are kept (R20: 30 days unless configured). */
  retentionDays?: number;
  /** Time between purges. */
  intervalMs?: number;
  /** Rows per DELETE statement, so no single statement holds many row locks for long. */
  batchSize?: number;
  /** Clock; tests pass a fixed one. */
  now?: () => Date;
}

export interface PurgeResult {
  /** false when another replica held the lock, so this one did nothing. */
  ran: boolean;
  deleted: number;
}

/** The PostgreSQL advisory lock key that makes one replica at a time purge (64-bit, as text). */
export const provisioningLogPurgeLockKey = BigInt.asIntN(
  64,
  BigInt(`0x${createHash("sha256").update("identity:provisioning-log-purge").digest("hex").slice(0, 16)}`),
).toString();

const dayMs = 86_400_000;

/** A raw node-postgres connection borrowed from MikroORM's pool. */
interface RawConnection {
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

/**
 * R20 retention: deletes provisioning-log entries older than the retention time, every
 * `intervalMs`, on one replica at a time. The run holds a session-level advisory lock
 * (`pg_try_advisory_lock`) on one pooled connection and deletes in autocommitted batches;
 * a replica that finds the lock taken skips its run. Tests call `runOnce()` directly.
 */
export class ProvisioningLogPurge {
  readonly retentionDays: number;
  readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly logger: Logger,
    options: ProvisioningLogPurgeOptions = {},
  ) {
    this.retentionDays = options.retentionDays ?? 30;
    this.intervalMs = options.intervalMs ?? 3_600_000;
    this.batchSize = options.batchSize ?? 5000;
    this.now = options.now ?? (() => new Date());
  }

  /** Purges once, unless another replica is purging right now. */
  async runOnce(): Promise<PurgeResult> {
    const cutoff = new Date(this.now().getTime() - this.retentionDays * dayMs);
    const client = this.orm.em.getConnection().getKnex().client;
    const connection = (await client.acquireConnection()) as RawConnection;
    try {
      const { rows } = await connection.query("select pg_try_advisory_lock($1::bigint) as locked", [
        provisioningLogPurgeLockKey,
      ]);
      if (rows[0]?.locked !== true) return { ran: false, deleted: 0 };
      let deleted = 0;
      try {
        for (;;) {
          const result = await connection.query(
            `delete from identity.provisioning_entry
              where ctid = any(array(
                select ctid from identity.provisioning_entry where time < $1 limit $2))`,
            [cutoff, this.batchSize],
          );
          deleted += result.rowCount ?? 0;
          if ((result.rowCount ?? 0) < this.batchSize) break;
        }
      } finally {
        await connection.query("select pg_advisory_unlock($1::bigint)", [provisioningLogPurgeLockKey]);
      }
      if (deleted > 0)
        this.logger.info(
          { deleted, retentionDays: this.retentionDays, before: cutoff.toISOString() },
          "purged provisioning log entries",
        );
      return { ran: true, deleted };
    } finally {
      await client.releaseConnection(connection);
    }
  }

  /** Runs the purge soon after start (at most a minute) and then every `intervalMs`; the timer never keeps the process alive. */
  start(): void {
    this.stopped = false;
    this.schedule(Math.min(this.intervalMs, 60_000));
  }

  /** Stops the schedule and waits for a purge in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .catch((error: unknown) => this.logger.error({ err: error }, "provisioning log purge failed"))
        .finally(() => {
          this.running = undefined;
          this.schedule(this.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
