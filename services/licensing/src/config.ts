import { grpcServiceSettings, intSetting, metricsPortSetting, readConfig } from "@cosafe/config";

/** The licensing service's settings, read and validated from the environment at start-up. */
export function loadConfig(env: Record<string, string | undefined> = process.env) {
  return readConfig(
    {
      ...grpcServiceSettings("LICENSING", 50052),
      metricsPort: metricsPortSetting("LICENSING"),
      /** Tenants (most seats used first) that get their own seat gauges; bounds the label set. */
      metricsTenantsMax: intSetting("LICENSING_METRICS_TENANTS_MAX", { default: 100, min: 0, max: 10_000 }),
    },
    env,
  );
}

export type LicensingConfig = ReturnType<typeof loadConfig>;
