import { intSetting } from "@cosafe/config";

/**
 * scim-facade settings of the provisioning-log batcher (R20), to spread into `loadConfig`'s
 * spec; each maps 1:1 onto a `createProvisioningLogBatcher` option.
 */
export const provisioningLogSettings = {
  /** `flushIntervalMs`: longest wait before a partial batch is sent. */
  provisioningLogFlushIntervalMs: intSetting("PROVISIONING_LOG_FLUSH_INTERVAL_MS", {
    default: 1000,
    min: 50,
    max: 60_000,
  }),
  /** `maxBatchSize`: entries per RecordProvisioningEntries call. */
  provisioningLogBatchSize: intSetting("PROVISIONING_LOG_BATCH_SIZE", { default: 500, min: 1, max: 500 }),
  /** `maxBuffered`: entries kept while identity-core lags; the oldest are dropped beyond it. */
  provisioningLogBufferSize: intSetting("PROVISIONING_LOG_BUFFER_SIZE", {
    default: 10_000,
    min: 500,
    max: 1_000_000,
  }),
  /** `maxAttempts`: deliveries per batch before its entries are logged as lost. */
  provisioningLogMaxAttempts: intSetting("PROVISIONING_LOG_MAX_ATTEMPTS", { default: 3, min: 1, max: 10 }),
};
