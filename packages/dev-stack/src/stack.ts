import { randomBytes } from "node:crypto";
import { type ServiceName, type ServiceProcess, spawnService } from "./service-process.js";
import { waitForGrpcHealth, waitForHttpReady } from "./wait-until-ready.js";

export interface StackOptions {
  databaseUrl: string;
  ports: { facade: number; identityCore: number; licensing: number };
  /** Prometheus /metrics port of each service (`<SERVICE>_METRICS_PORT`); none when absent. */
  metricsPorts?: { facade: number; identityCore: number; licensing: number };
  /** Extra environment for all three services (e.g. OTEL_* to turn tracing on). */
  env?: Record<string, string>;
  /** Extra environment per service, after `env` (e.g. each one's production NODE_OPTIONS). */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Where identity providers reach the facade; defaults to http://localhost:<facade port>. */
  publicBaseUrl?: string;
  logLevel?: string;
  /** Discard the services' logs (tests). */
  quiet?: boolean;
  /** Run the compiled services under this root instead of the sources (see SpawnOptions). */
  compiledRoot?: string;
  /** Receives each service's output lines instead of stdout/stderr (tests read the logs). */
  onLog?: (service: string, line: string) => void;
  /** Called with the child pids as soon as they exist. */
  onSpawn?: (pids: number[]) => void;
}

export interface Stack {
  scimBaseUrl: string;
  identityCoreUrl: string;
  licensingUrl: string;
  /** Each service's /metrics URL, when metricsPorts were given. */
  metricsUrls: { facade: string; identityCore: string; licensing: string } | undefined;
  /** The credential this launcher calls the services with. */
  credential: { service: string; secret: string };
  /** A credential for the support CLI (`pnpm cosafe …`) against this stack. */
  cliCredential: { service: string; secret: string };
  services: ServiceProcess[];
  /**
   * Kills licensing with SIGKILL (in-flight requests cut, nothing shut down) and, once
   * `restart` is called, starts it again on the same port with the same settings (fault tests).
   */
  killLicensing(): Promise<void>;
  restartLicensing(): Promise<void>;
  stop(): Promise<void>;
}

const secret = () => randomBytes(24).toString("base64url");

/**
 * Starts identity-core, licensing and the SCIM facade as separate processes on one
 * database, with fresh service credentials, and waits until each is ready.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const facadeSecret = secret();
  const launcher = { service: "dev-stack", secret: secret() };
  const cli = { service: "support-cli", secret: secret() };
  const coreSecret = secret();
  const credentials = [
    `scim-facade:${facadeSecret}`,
    `identity-core:${coreSecret}`,
    `${launcher.service}:${launcher.secret}`,
    `${cli.service}:${cli.secret}`,
  ].join(",");
  const identityCoreUrl = `http://127.0.0.1:${options.ports.identityCore}`;
  const licensingUrl = `http://127.0.0.1:${options.ports.licensing}`;
  const publicBaseUrl = options.publicBaseUrl ?? `http://localhost:${options.ports.facade}`;
  const metricsPorts = options.metricsPorts;
  const common = {
    ...options.env,
    DATABASE_URL: options.databaseUrl,
    COSAFE_SERVICE_CREDENTIALS: credentials,
    // The launcher (and the tests that borrow its credential) may act in every role; the
    // facade, identity-core and the support CLI keep their default roles (docs/adr/0006).
    COSAFE_SERVICE_ROLES: `${launcher.service}:SCIM,ADMIN,SUPPORT,SYSTEM`,
    LOG_LEVEL: options.logLevel ?? "info",
  };
  const spawnOptions = (name: string) => {
    const onLog = options.onLog;
    return {
      quiet: options.quiet ?? false,
      compiledRoot: options.compiledRoot,
      ...(onLog ? { onLog: (line: string) => onLog(name, line) } : {}),
    };
  };

  const core = spawnService(
    "identity-core",
    {
      ...common,
      IDENTITY_CORE_PORT: String(options.ports.identityCore),
      ...(metricsPorts ? { IDENTITY_CORE_METRICS_PORT: String(metricsPorts.identityCore) } : {}),
      LICENSING_URL: licensingUrl,
      COSAFE_SERVICE_SECRET: coreSecret,
      ...options.serviceEnv?.["identity-core"],
    },
    spawnOptions("identity-core"),
  );
  const licensingEnv = {
    ...common,
    LICENSING_PORT: String(options.ports.licensing),
    ...(metricsPorts ? { LICENSING_METRICS_PORT: String(metricsPorts.licensing) } : {}),
    ...options.serviceEnv?.licensing,
  };
  let licensing = spawnService("licensing", licensingEnv, spawnOptions("licensing"));
  const facade = spawnService(
    "scim-facade",
    {
      ...options.env,
      LOG_LEVEL: common.LOG_LEVEL,
      SCIM_FACADE_PORT: String(options.ports.facade),
      ...(metricsPorts ? { SCIM_FACADE_METRICS_PORT: String(metricsPorts.facade) } : {}),
      SCIM_PUBLIC_BASE_URL: publicBaseUrl,
      IDENTITY_CORE_URL: identityCoreUrl,
      COSAFE_SERVICE_SECRET: facadeSecret,
      ...options.serviceEnv?.["scim-facade"],
    },
    spawnOptions("scim-facade"),
  );
  const services = [core, licensing, facade];
  options.onSpawn?.(services.map((s) => s.pid));
  const stop = async () => {
    await facade.stop();
    await Promise.all([core.stop(), licensing.stop()]);
  };
  try {
    await Promise.all([waitForGrpcHealth(core, identityCoreUrl), waitForGrpcHealth(licensing, licensingUrl)]);
    await waitForHttpReady(facade, `http://127.0.0.1:${options.ports.facade}/readyz`);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    scimBaseUrl: `${publicBaseUrl}/scim/v2`,
    identityCoreUrl,
    licensingUrl,
    metricsUrls: metricsPorts && {
      facade: `http://127.0.0.1:${metricsPorts.facade}/metrics`,
      identityCore: `http://127.0.0.1:${metricsPorts.identityCore}/metrics`,
      licensing: `http://127.0.0.1:${metricsPorts.licensing}/metrics`,
    },
    credential: launcher,
    cliCredential: cli,
    services,
    async killLicensing() {
      if (licensing.pid) process.kill(licensing.pid, "SIGKILL");
      await licensing.exited;
    },
    async restartLicensing() {
      const index = services.indexOf(licensing);
      licensing = spawnService("licensing", licensingEnv, spawnOptions("licensing"));
      services[index] = licensing;
      await waitForGrpcHealth(licensing, licensingUrl);
    },
    stop,
  };
}
