import { Code, ConnectError } from "@connectrpc/connect";
import { createLogger } from "@cosafe/logging";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  isRetryableDelivery,
  ProvisioningLogBatcher,
  type ProvisioningLogBatcherOptions,
} from "../src/provisioning-log/index.js";

/** Every log line the batcher wrote, parsed. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    service: "scim-facade",
    level: "debug",
    destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}

/** A sink that records batches and answers each call as the test says (default: success). */
class FakeSink {
  readonly batches: number[][] = [];
  calls = 0;
  /** When set, each call waits for release(). */
  hold = false;
  failures: unknown[] = [];
  private waiting: (() => void)[] = [];

  async record(entries: number[]): Promise<void> {
    this.calls++;
    if (this.hold) await new Promise<void>((resolve) => this.waiting.push(resolve));
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.batches.push([...entries]);
  }

  release(): void {
    this.hold = false;
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  get delivered(): number[] {
    return this.batches.flat();
  }
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

let open: ProvisioningLogBatcher<number>[] = [];

function batcher(sink: FakeSink, options: Partial<ProvisioningLogBatcherOptions<number>> = {}) {
  const created = new ProvisioningLogBatcher<number>({
    sink,
    logger: capturedLogger().logger,
    flushIntervalMs: 3_600_000,
    retryDelayMs: 0,
    closeTimeoutMs: 2000,
    ...options,
  });
  open.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(open.map((b) => b.close()));
  open = [];
  vi.useRealTimers();
});

describe("ProvisioningLogBatcher (R20: bounded batches that never slow a request)", () => {
  it("R20: sends a full batch of 500 at once, without waiting for the interval", async () => {
    const sink = new FakeSink();
    const b = batcher(sink);
    for (const n of range(0, 499)) b.enqueue(n);
    await nextTurn();
    expect(sink.calls).toBe(0);
    b.enqueue(499);
    await nextTurn();
    await b.flush();
    expect(sink.batches.map((batch) => batch.length)).toEqual([500]);
    expect(sink.delivered).toEqual(range(0, 500));
  });

  it("R20: never sends more than the batch size (at most 500) per call", async () => {
    const sink = new FakeSink();
    const b = batcher(sink, { maxBatchSize: 10_000 });
    for (const n of range(0, 1234)) b.enqueue(n);
    await b.flush();
    expect(sink.batches.map((batch) => batch.length)).toEqual([500, 500, 234]);
    expect(sink.delivered).toEqual(range(0, 1234));
  });

  it("R20: sends a partial batch after the flush interval (about 1 s)", async () => {
    vi.useFakeTimers();
    const sink = new FakeSink();
    const b = batcher(sink, { flushIntervalMs: 1000 });
    b.enqueue(1);
    b.enqueue(2);
    await vi.advanceTimersByTimeAsync(999);
    expect(sink.calls).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.batches).toEqual([[1, 2]]);
    b.enqueue(3);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sink.batches).toEqual([[1, 2], [3]]);
  });

  it("R20: enqueue returns at once and never waits for delivery, even when the core hangs", async () => {
    const sink = new FakeSink();
    sink.hold = true;
    const b = batcher(sink, { maxBuffered: 50_000 });
    // Synchronous: every call has returned before any delivery could even start.
    const results = range(0, 20_000).map((n) => b.enqueue(n));
    expect(results.every((result) => result === undefined)).toBe(true);
    expect(sink.calls).toBe(0);
    await nextTurn();
    expect(sink.calls).toBe(1); // one delivery at a time, still pending
    expect(b.stats()).toMatchObject({ buffered: 19_500, delivered: 0 });
    sink.release();
    await b.flush();
    expect(b.stats()).toMatchObject({ buffered: 0, delivered: 20_000, dropped: 0, lost: 0 });
  });

  it("R20: a full buffer drops the oldest entries, counts them and logs the count", async () => {
    const { logger, lines } = capturedLogger();
    const sink = new FakeSink();
    sink.hold = true;
    const b = batcher(sink, { logger, maxBatchSize: 500, maxBuffered: 1000 });
    for (const n of range(0, 1000)) b.enqueue(n);
    await nextTurn(); // 0..499 are in flight, 500..999 wait
    for (const n of range(1000, 700)) b.enqueue(n); // 200 too many: 500..699 are dropped
    expect(b.stats()).toMatchObject({ buffered: 1000, dropped: 200 });
    sink.release();
    await b.close();
    expect(sink.delivered).toEqual([...range(0, 500), ...range(700, 1000)]); // 500..699 dropped
    expect(b.stats()).toMatchObject({ delivered: 1500, dropped: 200, lost: 0 });
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 40, dropped: 200, msg: expect.stringContaining("dropped") }),
    );
  });

  it("R20: retries a failed delivery and stores the batch once the core answers", async () => {
    const { logger, lines } = capturedLogger();
    const sink = new FakeSink();
    sink.failures = [new ConnectError("down", Code.Unavailable), new ConnectError("down", Code.Unavailable)];
    const b = batcher(sink, { logger, maxAttempts: 3 });
    for (const n of range(0, 3)) b.enqueue(n);
    await b.flush();
    expect(sink.calls).toBe(3);
    expect(sink.delivered).toEqual([0, 1, 2]);
    expect(b.stats()).toMatchObject({ delivered: 3, lost: 0 });
    expect(lines.filter((l) => l.level === 40 && l.attempt !== undefined)).toHaveLength(2);
  });

  it("R20: after the last attempt it logs at error level how many entries were lost — counts only, no entries", async () => {
    const { logger, lines } = capturedLogger();
    const sink = new FakeSink();
    sink.failures = Array.from({ length: 10 }, () => new ConnectError("down", Code.Unavailable));
    const b = new ProvisioningLogBatcher<{ userName: string }>({
      sink: { record: (entries) => sink.record(entries.map(() => 0)) },
      logger,
      flushIntervalMs: 3_600_000,
      retryDelayMs: 0,
      maxAttempts: 3,
    });
    for (let i = 0; i < 7; i++) b.enqueue({ userName: `someone${i}@contoso.com` });
    await b.flush();
    expect(sink.calls).toBe(3);
    expect(b.stats()).toMatchObject({ delivered: 0, lost: 7 });
    const errors = lines.filter((l) => l.level === 50);
    expect(errors).toEqual([expect.objectContaining({ lost: 7, attempts: 3 })]);
    expect(JSON.stringify(lines)).not.toContain("contoso.com");
    await b.close();
  });

  it("R20: a refusal that retrying cannot fix loses the batch at once", async () => {
    const sink = new FakeSink();
    sink.failures = [new ConnectError("entries[0].tenant_id must be a UUID", Code.InvalidArgument)];
    const b = batcher(sink, { isRetryable: isRetryableDelivery, maxAttempts: 5 });
    b.enqueue(1);
    await b.flush();
    expect(sink.calls).toBe(1);
    expect(b.stats()).toMatchObject({ lost: 1, delivered: 0 });
    b.enqueue(2);
    await b.flush();
    expect(sink.delivered).toEqual([2]);
  });

  it("R20: isRetryableDelivery retries transport trouble, not refusals", () => {
    expect(isRetryableDelivery(new ConnectError("x", Code.Unavailable))).toBe(true);
    expect(isRetryableDelivery(new ConnectError("x", Code.DeadlineExceeded))).toBe(true);
    expect(isRetryableDelivery(new ConnectError("x", Code.Internal))).toBe(true);
    expect(isRetryableDelivery(new Error("socket hang up"))).toBe(true);
    expect(isRetryableDelivery(new ConnectError("x", Code.InvalidArgument))).toBe(false);
    expect(isRetryableDelivery(new ConnectError("x", Code.PermissionDenied))).toBe(false);
    expect(isRetryableDelivery(new ConnectError("x", Code.Unauthenticated))).toBe(false);
  });

  it("R20: close() sends everything buffered (graceful shutdown); entries after close are dropped and counted", async () => {
    const sink = new FakeSink();
    const b = batcher(sink);
    for (const n of range(0, 1100)) b.enqueue(n);
    await b.close();
    expect(sink.delivered).toEqual(range(0, 1100));
    expect(sink.batches.every((batch) => batch.length <= 500)).toBe(true);
    b.enqueue(9999);
    expect(b.stats()).toMatchObject({ buffered: 0, delivered: 1100, dropped: 1 });
    await b.close(); // idempotent
  });

  it("R20: close() waits for a delivery in flight", async () => {
    const sink = new FakeSink();
    sink.hold = true;
    const b = batcher(sink);
    for (const n of range(0, 500)) b.enqueue(n);
    await nextTurn();
    b.enqueue(500);
    let closed = false;
    const closing = b.close().then(() => {
      closed = true;
    });
    await nextTurn();
    expect(closed).toBe(false);
    sink.release();
    await closing;
    expect(sink.delivered).toEqual(range(0, 501));
  });

  it("R20: at shutdown with the core down, close() gives up after one batch's attempts and logs every lost entry", async () => {
    const { logger, lines } = capturedLogger();
    const sink = new FakeSink();
    sink.failures = Array.from({ length: 100 }, () => new ConnectError("down", Code.Unavailable));
    const b = batcher(sink, { logger, maxAttempts: 2 });
    for (const n of range(0, 1200)) b.enqueue(n);
    await b.close();
    expect(sink.calls).toBe(2);
    expect(b.stats()).toMatchObject({ buffered: 0, delivered: 0, lost: 1200 });
    const lost = lines.filter((l) => l.level === 50).reduce((sum, l) => sum + Number(l.lost), 0);
    expect(lost).toBe(1200);
  });
});
