import {
  intSetting,
  metricsPortSetting,
  portSetting,
  processSettings,
  readConfig,
  stringSetting,
  urlSetting,
} from "@cosafe/config";
import { provisioningLogSettings } from "./provisioning-log/provisioning-log-settings.js";

/** The SCIM facade's settings, read and validated from the environment at start-up. */
export function loadConfig(env: Record<string, string | undefined> = process.env) {
  return readConfig(
    {
      host: stringSetting("SCIM_FACADE_HOST", { default: "127.0.0.1" }),
      port: portSetting("SCIM_FACADE_PORT", 8080),
      /** Prometheus /metrics on a port of its own, never the one identity providers reach. */
      metricsPort: metricsPortSetting("SCIM_FACADE"),
      /** Absolute base of meta.location and Location headers, as identity providers reach us through proxies. */
      publicBaseUrl: urlSetting("SCIM_PUBLIC_BASE_URL", {
        protocols: ["http", "https"],
        default: "http://localhost:8080",
      }),
      identityCoreUrl: urlSetting("IDENTITY_CORE_URL", {
        protocols: ["http", "https"],
        default: "http://127.0.0.1:50051",
      }),
      serviceName: stringSetting("COSAFE_SERVICE_NAME", { default: "scim-facade" }),
      serviceSecret: stringSetting("COSAFE_SERVICE_SECRET"),
      /** How long a verified SCIM token is trusted without asking identity-core again (R21: at most 5 s). */
      tokenCacheTtlMs: intSetting("SCIM_TOKEN_CACHE_TTL_MS", { default: 5000, min: 0, max: 5000 }),
      ...processSettings,
      ...provisioningLogSettings,
    },
    env,
  );
}

export type ScimFacadeConfig = ReturnType<typeof loadConfig>;
