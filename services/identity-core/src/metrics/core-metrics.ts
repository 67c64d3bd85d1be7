import { Gauge, Histogram, type Registry } from "@cosafe/telemetry";
import type { MikroORM } from "@mikro-orm/postgresql";
import { heldDeprovisionCounts } from "../storage/query/held-deprovision-counts.js";

const heldKinds = ["INACTIVE", "DELETE", "LAST_SCIM_GROUP_REMOVED"];

/** identity-core's own series: brake holds (read when scraped) and change-feed lag. */
export function registerCoreMetrics(registry: Registry, orm: MikroORM) {
  new Gauge({
    name: "cosafe_brake_held_deprovisionings",
    help: "IdP deprovisioning requests the mass-deprovision brake holds (status HELD), by kind.",
    labelNames: ["kind"] as const,
    registers: [registry],
    async collect() {
      const counts = new Map((await heldDeprovisionCounts(orm)).map((c) => [c.kind, c.held]));
      for (const kind of heldKinds) this.set({ kind }, counts.get(kind) ?? 0);
    },
  });
  const feedLag = new Histogram({
    name: "cosafe_change_feed_lag_seconds",
    help: "Time from a change event's commit to its delivery on a change-feed stream.",
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers: [registry],
  });
  const streams = new Gauge({
    name: "cosafe_change_feed_streams",
    help: "Open change-feed streams.",
    registers: [registry],
  });
  return {
    /** Hooks for the change-feed RPC handler. */
    changeFeed: {
      opened: () => streams.inc(),
      closed: () => streams.dec(),
      delivered: (createdAt: Date) => feedLag.observe(Math.max(0, (Date.now() - createdAt.getTime()) / 1000)),
    },
  };
}

export type ChangeFeedObserver = ReturnType<typeof registerCoreMetrics>["changeFeed"];
