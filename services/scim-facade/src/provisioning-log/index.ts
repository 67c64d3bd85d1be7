export {
  maxProvisioningBatchSize,
  ProvisioningLogBatcher,
  type ProvisioningLogBatcherOptions,
  type ProvisioningLogBatcherStats,
  type ProvisioningLogSink,
} from "./batcher.js";
export { coreProvisioningLogSink, createProvisioningLogBatcher, isRetryableDelivery } from "./core-sink.js";
export { buildProvisioningEntry, type FinishedRequest, outcomeOf } from "./provisioning-entry.js";
export { type ProvisioningLogDeps, provisioningLog } from "./provisioning-log-middleware.js";
export { provisioningLogSettings } from "./provisioning-log-settings.js";
