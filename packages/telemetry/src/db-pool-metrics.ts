import { Gauge, type Registry } from "prom-client";

export interface PoolStats {
  used: number;
  free: number;
  pending: number;
  max: number;
}

/** Connection-pool use of a service's PostgreSQL pool, read when scraped. */
export function registerDbPoolMetrics(registry: Registry, stats: () => PoolStats | undefined): void {
  new Gauge({
    name: "cosafe_db_pool_connections",
    help: "PostgreSQL pool connections: used (checked out), free (idle), pending (callers waiting).",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const s = stats();
      if (!s) return;
      this.set({ state: "used" }, s.used);
      this.set({ state: "free" }, s.free);
      this.set({ state: "pending" }, s.pending);
    },
  });
  new Gauge({
    name: "cosafe_db_pool_max",
    help: "Largest number of PostgreSQL connections the pool opens.",
    registers: [registry],
    collect() {
      const s = stats();
      if (s) this.set(s.max);
    },
  });
}
