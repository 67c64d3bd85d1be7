import {
  enumSetting,
  intSetting,
  portSetting,
  readConfig,
  serviceCredentialsSetting,
  stringSetting,
  urlSetting,
} from "@cosafe/config";

/** The licensing service's settings, read and validated from the environment at start-up. */
export function loadConfig(env: Record<string, string | undefined> = process.env) {
  return readConfig(
    {
      databaseUrl: urlSetting("DATABASE_URL", { protocols: ["postgres", "postgresql"] }),
      host: stringSetting("LICENSING_HOST", { default: "127.0.0.1" }),
      port: portSetting("LICENSING_PORT", 50052),
      credentials: serviceCredentialsSetting("COSAFE_SERVICE_CREDENTIALS"),
      logLevel: enumSetting(
        "LOG_LEVEL",
        ["trace", "debug", "info", "warn", "error", "fatal", "silent"],
        "info",
      ),
      dbPoolMax: intSetting("LICENSING_DB_POOL_MAX", { default: 10, min: 1, max: 200 }),
      parentPid: intSetting("COSAFE_PARENT_PID", { default: 0, min: 0 }),
    },
    env,
  );
}

export type LicensingConfig = ReturnType<typeof loadConfig>;
