import { collectDefaultMetrics, Registry } from "prom-client";

/**
 * One registry per service instance (tests run several services in one process), with
 * the standard process and Node.js runtime series.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
