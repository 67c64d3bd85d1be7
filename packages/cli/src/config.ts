import { intSetting, readConfig, type Setting, stringSetting, urlSetting } from "@cosafe/config";

/** Where the CLI finds the services and who it acts as; read from the environment. */
export interface CliConfig {
  identityCoreUrl: string;
  licensingUrl: string;
  /** The CLI's service credential (listed in the servers' COSAFE_SERVICE_CREDENTIALS). */
  serviceName: string;
  serviceSecret: string;
  /** The support person acting; recorded as the actor of every audit event. */
  supportPerson: string;
  /** Deadline of each call. */
  timeoutMs: number;
}

/** The variables, for `cosafe --help`. */
export const environmentHelp: [string, string][] = [
  ["COSAFE_IDENTITY_CORE_URL", "identity-core gRPC URL (default http://127.0.0.1:50051)"],
  ["COSAFE_LICENSING_URL", "licensing gRPC URL (default http://127.0.0.1:50052)"],
  ["COSAFE_SERVICE_NAME", "the CLI's service name (default support-cli)"],
  ["COSAFE_SERVICE_SECRET", "the CLI's service secret, at least 16 characters (required)"],
  ["COSAFE_SUPPORT_PERSON", "who is acting, e.g. jane@cosafe.com; recorded in audit events (required)"],
  ["COSAFE_TIMEOUT_MS", "deadline of each call in milliseconds (default 10000)"],
];

function secretSetting(name: string): Setting<string> {
  return {
    read(env) {
      const value = env[name]?.trim();
      if (!value) return { problem: `${name} is required (the CLI's service secret)` };
      if (value.length < 16) return { problem: `${name} must be at least 16 characters` };
      return { value };
    },
  };
}

function personSetting(name: string): Setting<string> {
  return {
    read(env) {
      const value = env[name]?.trim();
      if (!value) return { problem: `${name} is required (who is acting, e.g. jane@cosafe.com)` };
      if (/\s/.test(value) || value.length > 200) {
        return {
          problem: `${name} must be one identifier without spaces (an e-mail address), got "${value}"`,
        };
      }
      return { value };
    },
  };
}

function serviceNameSetting(name: string): Setting<string> {
  const base = stringSetting(name, { default: "support-cli" });
  return {
    read(env) {
      const result = base.read(env);
      if ("value" in result && !/^[A-Za-z0-9._-]+$/.test(result.value)) {
        return { problem: `${name} may hold only letters, digits, ".", "_" and "-", got "${result.value}"` };
      }
      return result;
    },
  };
}

/** Validates the environment; throws one ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): CliConfig {
  return readConfig<CliConfig>(
    {
      identityCoreUrl: urlSetting("COSAFE_IDENTITY_CORE_URL", {
        default: "http://127.0.0.1:50051",
        protocols: ["http", "https"],
      }),
      licensingUrl: urlSetting("COSAFE_LICENSING_URL", {
        default: "http://127.0.0.1:50052",
        protocols: ["http", "https"],
      }),
      serviceName: serviceNameSetting("COSAFE_SERVICE_NAME"),
      serviceSecret: secretSetting("COSAFE_SERVICE_SECRET"),
      supportPerson: personSetting("COSAFE_SUPPORT_PERSON"),
      timeoutMs: intSetting("COSAFE_TIMEOUT_MS", { default: 10_000, min: 100, max: 600_000 }),
    },
    env,
  );
}
