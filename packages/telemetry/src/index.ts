export { Counter, Gauge, Histogram, type Registry } from "prom-client";
export { type PoolStats, registerDbPoolMetrics } from "./db-pool-metrics.js";
export { createMetricsRegistry } from "./metrics-registry.js";
export { type MetricsServer, startMetricsServer } from "./metrics-server.js";
export { latencyBuckets, rpcMetricsInterceptor } from "./rpc-metrics-interceptor.js";
