import type { Setting } from "./read-config.js";

/**
 * Service credentials accepted by a gRPC server: `name:secret` pairs separated by commas,
 * e.g. `COSAFE_SERVICE_CREDENTIALS=scim-facade:4f1…,admin-panel:9a2…`.
 */
export function serviceCredentialsSetting(name: string): Setting<ReadonlyMap<string, string>> {
  return {
    read(env) {
      const text = env[name]?.trim();
      if (!text) return { problem: `${name} is required (comma-separated service:secret pairs)` };
      const credentials = new Map<string, string>();
      for (const pair of text.split(",")) {
        const [service, secret, ...rest] = pair.trim().split(":");
        if (!service || !secret || rest.length > 0) {
          return { problem: `${name} must hold service:secret pairs; one entry is malformed` };
        }
        if (secret.length < 16)
          return { problem: `${name}: the secret of "${service}" is shorter than 16 characters` };
        credentials.set(service, secret);
      }
      return { value: credentials };
    },
  };
}
