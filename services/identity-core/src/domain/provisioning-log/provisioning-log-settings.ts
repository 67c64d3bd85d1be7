import { intSetting } from "@cosafe/config";

/**
 * identity-core settings of the provisioning log (R20), to spread into `loadConfig`'s spec:
 * `PROVISIONING_LOG_RETENTION_DAYS` (default 30) and `PROVISIONING_LOG_PURGE_INTERVAL_MS`
 * (default one hour).
 */
export const provisioningLogSettings = {
  provisioningLogRetentionDays: intSetting("PROVISIONING_LOG_RETENTION_DAYS", {
    default: 30,
    min: 1,
    max: 3650,
  }),
  provisioningLogPurgeIntervalMs: intSetting("PROVISIONING_LOG_PURGE_INTERVAL_MS", {
    default: 3_600_000,
    min: 10_000,
    max: 86_400_000,
  }),
};
