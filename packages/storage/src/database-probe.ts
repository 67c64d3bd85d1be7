import pg from "pg";

export interface DatabaseProbeOptions {
  databaseUrl: string;
  /** Called when the database becomes unreachable (false) or reachable again (true). */
  onChange: (reachable: boolean) => void;
  /** Time between two checks; defaults to 1 s. */
  intervalMs?: number;
  /** A check that takes longer counts as a failure (a frozen server or network); defaults to 2 s. */
  timeoutMs?: number;
}

export interface DatabaseProbe {
  stop(): Promise<void>;
}

/**
 * Watches whether PostgreSQL answers, on one dedicated connection (not the pool's, which a
 * frozen server would exhaust): `select 1` every interval, failing after the timeout. With
 * the defaults an outage is noticed within 3 s and the end of it within 1 s — the services'
 * gRPC health follows it (issue 14: readiness reports NOT_SERVING within 5 s).
 */
export function startDatabaseProbe(options: DatabaseProbeOptions): DatabaseProbe {
  const intervalMs = options.intervalMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 2000;
  let client: pg.Client | undefined;
  let reachable = true;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const discard = () => {
    const gone = client as (pg.Client & { connection?: { stream?: { destroy(): void } } }) | undefined;
    client = undefined;
    // A frozen peer never answers a polite end(): drop the socket.
    gone?.connection?.stream?.destroy();
  };

  const check = async (): Promise<boolean> => {
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      deadline = setTimeout(() => resolve(false), timeoutMs);
    });
    const attempt = (async () => {
      if (!client) {
        const fresh = new pg.Client({
          connectionString: options.databaseUrl,
          connectionTimeoutMillis: timeoutMs,
          query_timeout: timeoutMs,
          application_name: "cosafe-readiness",
        });
        fresh.on("error", () => {});
        client = fresh;
        await fresh.connect();
      }
      await client.query("select 1");
      return true;
    })().catch(() => false);
    const ok = await Promise.race([attempt, timedOut]);
    clearTimeout(deadline);
    if (!ok) discard();
    return ok;
  };

  const round = async () => {
    const ok = await check();
    if (stopped) return;
    if (ok !== reachable) {
      reachable = ok;
      options.onChange(ok);
    }
    timer = setTimeout(tick, intervalMs);
  };
  const tick = () => {
    running = round();
  };
  timer = setTimeout(tick, intervalMs);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      const last = client;
      client = undefined;
      if (!last) return;
      const ended = last.end().catch(() => {});
      const gaveUp = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
      await Promise.race([ended, gaveUp]);
      (last as pg.Client & { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    },
  };
}
