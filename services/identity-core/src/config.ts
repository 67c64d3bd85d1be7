import { grpcServiceSettings, intSetting, metricsPortSetting, readConfig } from "@cosafe/config";
import { provisioningLogSettings } from "./domain/provisioning-log/provisioning-log-settings.js";
import { seatSettings } from "./domain/seats/seat-wiring.js";

/** identity-core's settings, read and validated from the environment at start-up. */
export function loadConfig(env: Record<string, string | undefined> = process.env) {
  return readConfig(
    {
      ...grpcServiceSettings("IDENTITY_CORE", 50051),
      metricsPort: metricsPortSetting("IDENTITY_CORE"),
      ...provisioningLogSettings,
      /** R18: how long a group deleted in the admin panel keeps answering IdP requests. */
      groupTombstoneRetentionDays: intSetting("GROUP_TOMBSTONE_RETENTION_DAYS", {
        default: 90,
        min: 1,
        max: 3650,
      }),
      /** R22b: how long change-feed events are kept for consumers to resume from. */
      changeFeedRetentionDays: intSetting("CHANGE_FEED_RETENTION_DAYS", { default: 7, min: 1, max: 365 }),
      ...seatSettings,
    },
    env,
  );
}

export type IdentityCoreConfig = ReturnType<typeof loadConfig>;
