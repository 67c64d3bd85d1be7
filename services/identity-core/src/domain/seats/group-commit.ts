/** One waiting request of a group commit. */
export interface Waiting<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Group commit (docs/adr/0021-seat-group-commit.md): per key, at most one batch is in flight;
 * what arrives meanwhile waits and leaves together as the next batch, up to `maxBatch`. A lone
 * request goes at the end of the event loop's turn (setImmediate), so nothing waits on a quiet
 * system but what arrived in the same turn joins it. A performance device only: the
 * batch's writer (licensing's one statement) keeps every guarantee, and a lost process loses
 * nothing but waiting callers, who see their own failure.
 *
 * `run` settles every request of its batch (resolve or reject each); whatever it leaves
 * unsettled is rejected with the error it throws, or with "settled nothing".
 */
export class GroupCommit<T, R> {
  private readonly waiting = new Map<string, Waiting<T, R>[]>();
  private readonly busy = new Set<string>();
  private readonly scheduled = new Set<string>();

  constructor(
    private readonly run: (key: string, batch: Waiting<T, R>[]) => Promise<void>,
    private readonly maxBatch: number,
  ) {}

  submit(key: string, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const queue = this.waiting.get(key);
      if (queue) queue.push({ item, resolve, reject });
      else this.waiting.set(key, [{ item, resolve, reject }]);
      if (this.busy.has(key) || this.scheduled.has(key)) return;
      // An idle key leaves at the end of this turn of the event loop, not at once: the calls
      // that arrived in the same read (HTTP/2 carries many per session) leave together.
      this.scheduled.add(key);
      setImmediate(() => {
        this.scheduled.delete(key);
        this.next(key);
      });
    });
  }

  private next(key: string): void {
    if (this.busy.has(key)) return;
    const queue = this.waiting.get(key);
    if (!queue || queue.length === 0) {
      this.waiting.delete(key);
      return;
    }
    const batch = queue.splice(0, this.maxBatch);
    this.busy.add(key);
    void this.settle(key, batch);
  }

  private async settle(key: string, batch: Waiting<T, R>[]): Promise<void> {
    let settled = 0;
    const guarded = batch.map((w) => ({
      item: w.item,
      resolve: (result: R) => {
        settled++;
        w.resolve(result);
      },
      reject: (error: unknown) => {
        settled++;
        w.reject(error);
      },
    }));
    try {
      await this.run(key, guarded);
      if (settled < batch.length) throw new Error("group commit settled nothing for some requests");
    } catch (error) {
      // Settling twice is a no-op on a promise: only the unsettled ones see this error.
      for (const w of batch) w.reject(error);
    } finally {
      this.busy.delete(key);
      this.next(key);
    }
  }
}
