import type { Setting } from "./read-config.js";

/**
 * `<PREFIX>_METRICS_PORT`: where the service serves Prometheus /metrics, apart from its
 * main port. Unset or empty: no metrics server (tests, one-off tools); 0: any free port.
 */
export function metricsPortSetting(prefix: string): Setting<number | undefined> {
  const name = `${prefix}_METRICS_PORT`;
  return {
    read(env) {
      const text = env[name]?.trim();
      if (!text) return { value: undefined };
      const value = Number(text);
      if (!Number.isInteger(value) || value < 0 || value > 65535) {
        return { problem: `${name} must be a port between 0 and 65535, got "${text}"` };
      }
      return { value };
    },
  };
}
