import { enumSetting, intSetting, portSetting, stringSetting, urlSetting } from "./read-config.js";
import { serviceCredentialsSetting } from "./service-credentials.js";

/** LOG_LEVEL and COSAFE_PARENT_PID: read by every Cosafe process. */
export const processSettings = {
  logLevel: enumSetting("LOG_LEVEL", ["trace", "debug", "info", "warn", "error", "fatal", "silent"], "info"),
  /** Set by `pnpm start`: the process follows its launcher (exits when it is gone). */
  parentPid: intSetting("COSAFE_PARENT_PID", { default: 0, min: 0 }),
};

/**
 * The settings every gRPC service with its own PostgreSQL schema reads:
 * DATABASE_URL, `<PREFIX>_HOST`, `<PREFIX>_PORT`, `<PREFIX>_DB_POOL_MAX`,
 * COSAFE_SERVICE_CREDENTIALS (the callers it accepts), LOG_LEVEL, COSAFE_PARENT_PID.
 */
export function grpcServiceSettings(prefix: string, defaultPort: number) {
  return {
    databaseUrl: urlSetting("DATABASE_URL", { protocols: ["postgres", "postgresql"] }),
    host: stringSetting(`${prefix}_HOST`, { default: "127.0.0.1" }),
    port: portSetting(`${prefix}_PORT`, defaultPort),
    credentials: serviceCredentialsSetting("COSAFE_SERVICE_CREDENTIALS"),
    dbPoolMax: intSetting(`${prefix}_DB_POOL_MAX`, { default: 10, min: 1, max: 200 }),
    ...processSettings,
  };
}
