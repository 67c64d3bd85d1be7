import type { Logger } from "@cosafe/logging";

/** Where batches go; identity-core's RecordProvisioningEntries in production, a fake in tests. */
export interface ProvisioningLogSink<T> {
  record(entries: T[]): Promise<void>;
}

export interface ProvisioningLogBatcherOptions<T> {
  sink: ProvisioningLogSink<T>;
  logger: Logger;
  /** A partial batch is sent at the latest this long after the previous send (default 1000 ms). */
  flushIntervalMs?: number;
  /** A batch is sent as soon as this many entries wait (default and maximum 500, R20). */
  maxBatchSize?: number;
  /** Entries kept while delivery lags; beyond this the oldest are dropped and counted (default 10,000). */
  maxBuffered?: number;
  /** Delivery attempts per batch before its entries are given up (default 3). */
  maxAttempts?: number;
  /** Wait before the first retry, doubled for each further one (default 250 ms). */
  retryDelayMs?: number;
  /** Failures worth retrying; others lose the batch at once (default: every failure). */
  isRetryable?: (error: unknown) => boolean;
  /** close() gives up on what is still undelivered after this long, and logs it as lost (default 10 s). */
  closeTimeoutMs?: number;
}

export interface ProvisioningLogBatcherStats {
  /** Waiting to be sent. */
  buffered: number;
  /** Stored by the sink. */
  delivered: number;
  /** Oldest entries pushed out of a full buffer, or offered after close(). */
  dropped: number;
  /** Given up after failed deliveries. */
  lost: number;
}

/** Largest batch identity-core accepts per RecordProvisioningEntries call (R20). */
export const maxProvisioningBatchSize = 500;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The facade's provisioning-log queue (R20): `enqueue` is synchronous and never waits for
 * delivery, so logging never slows a SCIM request. Entries leave in batches of at most
 * 500, when a batch is full or every `flushIntervalMs`, one delivery at a time. The buffer
 * is bounded: when full, the oldest entry is dropped and counted. A failed delivery is
 * retried a few times with backoff, then its entries are logged as lost. `close()` sends
 * what is left (graceful shutdown). Log lines carry counts only — never entries, bodies or tokens.
 */
export class ProvisioningLogBatcher<T> {
  private readonly sink: ProvisioningLogSink<T>;
  private readonly logger: Logger;
  private readonly maxBatchSize: number;
  private readonly maxBuffered: number;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly isRetryable: (error: unknown) => boolean;
  private readonly closeTimeoutMs: number;
  private readonly timer: NodeJS.Timeout;
  private buffer: T[] = [];
  /** Entries of the batch being delivered. */
  private inFlight = 0;
  private pumping: Promise<void> | undefined;
  private pumpScheduled = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  private droppedUnreported = 0;
  private readonly counters = { delivered: 0, dropped: 0, lost: 0 };

  constructor(options: ProvisioningLogBatcherOptions<T>) {
    this.sink = options.sink;
    this.logger = options.logger;
    this.maxBatchSize = Math.max(1, Math.min(options.maxBatchSize ?? 500, maxProvisioningBatchSize));
    this.maxBuffered = Math.max(this.maxBatchSize, options.maxBuffered ?? 10_000);
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.retryDelayMs = Math.max(0, options.retryDelayMs ?? 250);
    this.isRetryable = options.isRetryable ?? (() => true);
    this.closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    this.timer = setInterval(() => {
      this.reportDrops();
      if (this.buffer.length > 0) void this.pump();
    }, options.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** Queues one entry; returns at once and never throws. */
  enqueue(entry: T): void {
    if (this.closed) {
      this.counters.dropped++;
      this.logger.warn({ dropped: 1 }, "provisioning log closed: entry dropped");
      return;
    }
    if (this.buffer.length >= this.maxBuffered) {
      this.buffer.shift();
      this.counters.dropped++;
      this.droppedUnreported++;
    }
    this.buffer.push(entry);
    if (this.buffer.length >= this.maxBatchSize && !this.pumping && !this.pumpScheduled) {
      this.pumpScheduled = true;
      // Deliver on a later turn, not inside this request.
      setImmediate(() => {
        this.pumpScheduled = false;
        void this.pump();
      });
    }
  }

  /** Sends everything queued so far; resolves when it was delivered or given up. Never rejects. */
  async flush(): Promise<void> {
    while (this.pumping) await this.pumping;
    if (this.buffer.length > 0) await this.pump();
  }

  /** Stops the timer and sends what is left; later entries are dropped. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      clearInterval(this.timer);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<true>((resolve) => {
        timer = setTimeout(() => resolve(true), this.closeTimeoutMs);
      });
      const gaveUp = await Promise.race([this.flush().then(() => false), timedOut]);
      clearTimeout(timer);
      this.reportDrops();
      if (gaveUp) {
        const lost = this.buffer.length + this.inFlight;
        this.buffer = [];
        this.counters.lost += lost;
        this.logger.error(
          { lost },
          "provisioning log entries lost at shutdown: delivery did not finish in time",
        );
      }
    })();
    return this.closing;
  }

  stats(): ProvisioningLogBatcherStats {
    return { buffered: this.buffer.length, ...this.counters };
  }

  private pump(): Promise<void> {
    this.pumping ??= (async () => {
      try {
        while (this.buffer.length > 0) {
          const batch = this.buffer.splice(0, this.maxBatchSize);
          this.inFlight = batch.length;
          const delivered = await this.deliver(batch).finally(() => {
            this.inFlight = 0;
          });
          if (!delivered && this.closed && this.buffer.length > 0) {
            // Shutting down and the core is not taking entries: do not hold the exit hostage.
            const rest = this.buffer.length;
            this.buffer = [];
            this.counters.lost += rest;
            this.logger.error({ lost: rest }, "provisioning log entries lost at shutdown");
          }
        }
      } finally {
        this.pumping = undefined;
      }
    })();
    return this.pumping;
  }

  private async deliver(batch: T[]): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.sink.record(batch);
        this.counters.delivered += batch.length;
        return true;
      } catch (error) {
        if (attempt >= this.maxAttempts || !this.isRetryable(error)) {
          this.counters.lost += batch.length;
          this.logger.error(
            { lost: batch.length, attempts: attempt, err: error },
            "provisioning log entries lost: delivery failed",
          );
          return false;
        }
        this.logger.warn(
          { entries: batch.length, attempt, err: error },
          "provisioning log delivery failed; retrying",
        );
        await sleep(this.retryDelayMs * 2 ** (attempt - 1));
      }
    }
  }

  private reportDrops(): void {
    if (this.droppedUnreported === 0) return;
    this.logger.warn(
      { dropped: this.droppedUnreported, maxBuffered: this.maxBuffered },
      "provisioning log buffer full: oldest entries dropped",
    );
    this.droppedUnreported = 0;
  }
}
