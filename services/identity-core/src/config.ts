import {
  enumSetting,
  intSetting,
  portSetting,
  readConfig,
  serviceCredentialsSetting,
  stringSetting,
  urlSetting,
} from "@cosafe/config";
import { provisioningLogSettings } from "./domain/provisioning-log/provisioning-log-settings.js";
import { seatSettings } from "./domain/seats/seat-wiring.js";

/** identity-core's settings, read and validated from the environment at start-up. */
export function loadConfig(env: Record<string, string | undefined> = process.env) {
  return readConfig(
    {
      databaseUrl: urlSetting("DATABASE_URL", { protocols: ["postgres", "postgresql"] }),
      host: stringSetting("IDENTITY_CORE_HOST", { default: "127.0.0.1" }),
      port: portSetting("IDENTITY_CORE_PORT", 50051),
      credentials: serviceCredentialsSetting("COSAFE_SERVICE_CREDENTIALS"),
      logLevel: enumSetting(
        "LOG_LEVEL",
        ["trace", "debug", "info", "warn", "error", "fatal", "silent"],
        "info",
      ),
      dbPoolMax: intSetting("IDENTITY_CORE_DB_POOL_MAX", { default: 10, min: 1, max: 200 }),
      parentPid: intSetting("COSAFE_PARENT_PID", { default: 0, min: 0 }),
      ...provisioningLogSettings,
      /** R18: how long a group deleted in the admin panel keeps answering IdP requests. */
      groupTombstoneRetentionDays: intSetting("GROUP_TOMBSTONE_RETENTION_DAYS", {
        default: 90,
        min: 1,
        max: 3650,
      }),
      ...seatSettings,
    },
    env,
  );
}

export type IdentityCoreConfig = ReturnType<typeof loadConfig>;
