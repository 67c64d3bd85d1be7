import { createHash } from "node:crypto";
import type { Logger } from "@cosafe/logging";
import type { MikroORM } from "@mikro-orm/postgresql";

/** What a retention purge deletes: rows of one table older than the retention time. */
export interface RetentionTarget {
  /** Names the job in logs and derives its advisory lock key, e.g. "provisioning-log". */
  name: string;
  /** Schema-qualified table, e.g. identity.provisioning_entry. */
  table: string;
  /** Timestamp column compared with the cutoff. */
  timeColumn: string;
  /** Defaults used when the options give none. */
  defaultRetentionDays: number;
  /** Fixed SQL condition (from code, never input) further restricting the rows, e.g. `x is not null`. */
  condition?: string;
}

export interface RetentionPurgeOptions {
  /** How long rows are kept. */
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

/** The PostgreSQL advisory lock key that makes one replica at a time purge a target (64-bit, as text). */
export function retentionLockKey(name: string): string {
  return BigInt.asIntN(
    64,
    BigInt(`0x${createHash("sha256").update(`identity:${name}-purge`).digest("hex").slice(0, 16)}`),
  ).toString();
}

const dayMs = 86_400_000;

/** A raw node-postgres connection borrowed from MikroORM's pool. */
interface RawConnection {
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

/**
 * Deletes rows older than the retention time, every `intervalMs`, on one replica at a
 * time. The run holds a session-level advisory lock (`pg_try_advisory_lock`) on one pooled
 * connection and deletes in autocommitted batches; a replica that finds the lock taken skips
 * its run. Tests call `runOnce()` directly.
 */
export class RetentionPurge {
  readonly retentionDays: number;
  readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  private readonly lockKey: string;

  constructor(
    private readonly target: RetentionTarget,
    private readonly orm: MikroORM,
    private readonly logger: Logger,
    options: RetentionPurgeOptions = {},
  ) {
    if (!/^[a-z_][a-z0-9_.]*$/.test(target.table) || !/^[a-z_][a-z0-9_]*$/.test(target.timeColumn)) {
      throw new Error(`retention target ${target.name} names an invalid table or column`);
    }
    this.lockKey = retentionLockKey(target.name);
    this.retentionDays = options.retentionDays ?? target.defaultRetentionDays;
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
        this.lockKey,
      ]);
      if (rows[0]?.locked !== true) return { ran: false, deleted: 0 };
      let deleted = 0;
      try {
        for (;;) {
          const result = await connection.query(
            `delete from ${this.target.table}
              where ctid = any(array(
                select ctid from ${this.target.table} where ${this.target.timeColumn} < $1${
                  this.target.condition ? ` and (${this.target.condition})` : ""
                } limit $2))`,
            [cutoff, this.batchSize],
          );
          deleted += result.rowCount ?? 0;
          if ((result.rowCount ?? 0) < this.batchSize) break;
        }
      } finally {
        await connection.query("select pg_advisory_unlock($1::bigint)", [this.lockKey]);
      }
      if (deleted > 0)
        this.logger.info(
          { deleted, retentionDays: this.retentionDays, before: cutoff.toISOString() },
          `purged old ${this.target.name} rows`,
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
        .catch((error: unknown) =>
          this.logger.error({ err: error, job: this.target.name }, "retention purge failed"),
        )
        .finally(() => {
          this.running = undefined;
          this.schedule(this.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
