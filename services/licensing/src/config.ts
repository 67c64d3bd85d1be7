import { grpcServiceSettings, readConfig } from "@cosafe/config";

/** The licensing service's settings, read and validated from the environment at start-up. */
export function loadConfig(env: Record<string, string | undefined> = process.env) {
  return readConfig(grpcServiceSettings("LICENSING", 50052), env);
}

export type LicensingConfig = ReturnType<typeof loadConfig>;
