import { Counter, Gauge, type Registry } from "@cosafe/telemetry";
import type { ProvisioningLogBatcherStats } from "./batcher.js";

/** The provisioning-log queue's counts (R20), read from the batcher when scraped. */
export function registerProvisioningLogMetrics(registry: Registry, stats: () => ProvisioningLogBatcherStats) {
  const counter = (name: string, help: string, pick: (s: ProvisioningLogBatcherStats) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        // The batcher keeps the running totals; mirror them.
        this.reset();
        this.inc(pick(stats()));
      },
    });
  counter(
    "cosafe_provisioning_log_entries_dropped_total",
    "Provisioning-log entries dropped because the facade's buffer was full (delivery to identity-core lagged).",
    (s) => s.dropped,
  );
  counter(
    "cosafe_provisioning_log_entries_lost_total",
    "Provisioning-log entries given up after their batch failed to deliver.",
    (s) => s.lost,
  );
  counter(
    "cosafe_provisioning_log_entries_delivered_total",
    "Provisioning-log entries stored by identity-core.",
    (s) => s.delivered,
  );
  new Gauge({
    name: "cosafe_provisioning_log_entries_buffered",
    help: "Provisioning-log entries waiting in the facade to be sent.",
    registers: [registry],
    collect() {
      this.set(stats().buffered);
    },
  });
}
