import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "@cosafe/config";
import { loadConfig as cliConfig } from "../../packages/cli/src/config.js";
import { loadConfig as identityCoreConfig } from "../../services/identity-core/src/config.js";
import { loadConfig as licensingConfig } from "../../services/licensing/src/config.js";
import { loadConfig as facadeConfig } from "../../services/scim-facade/src/config.js";
import {
  type RenderedContainer,
  readKustomization,
  renderCompose,
  renderKubernetes,
  repoRoot,
  shellBlocks,
} from "./render.js";

type Env = Record<string, string | undefined>;
type Loader = (env: Env) => unknown;

/** What each program reads: its config.ts. */
const programs: Record<string, Loader> = {
  "identity-core": identityCoreConfig,
  licensing: licensingConfig,
  "scim-facade": facadeConfig,
  cli: cliConfig,
};

/** Runs a config loader on `env` and records every variable it reads. */
export function readsOf(load: Loader, env: Env): { read: Set<string>; config?: unknown; problems: string[] } {
  const read = new Set<string>();
  const tracked = new Proxy(env, {
    get(target, key) {
      if (typeof key === "string") read.add(key);
      return target[key as string];
    },
  });
  try {
    return { read, config: load(tracked), problems: [] };
  } catch (error) {
    if (error instanceof ConfigError) return { read, problems: error.problems };
    throw error;
  }
}

const fakeSecret = (seed: string) =>
  Buffer.from(`${seed}-0123456789abcdef0123456789abcdef`).toString("hex").slice(0, 64);

/** The shell variables the README's compose steps export (`export NAME=$(openssl rand -hex N)`). */
function composeShellEnv(readme: string, problems: string[]): Record<string, string> {
  const block = shellBlocks(readme, "Docker Compose")[0] ?? "";
  if (!block.includes("docker compose -f deploy/compose.yaml up")) {
    problems.push(
      "README, Docker Compose: the first block does not run `docker compose -f deploy/compose.yaml up`",
    );
  }
  const env: Record<string, string> = {};
  for (const [, name] of block.matchAll(/^export ([A-Z_][A-Z0-9_]*)=/gm))
    env[name as string] = fakeSecret(name as string);
  return env;
}

/** The Secrets the README's Kubernetes steps create: name → keys (`--from-literal=key=…`). */
function kubernetesSecrets(readme: string, problems: string[]): Record<string, Record<string, string>> {
  const block = shellBlocks(readme, "Kubernetes")[0] ?? "";
  const secrets: Record<string, Record<string, string>> = {};
  for (const match of block.matchAll(/create secret generic ([\w-]+)((?:\s*\\\n)?(?:[^\n]*\\\n)*[^\n]*)/g)) {
    const keys: Record<string, string> = {};
    for (const [, key] of (match[2] ?? "").matchAll(/--from-literal=([\w.-]+)=/g)) {
      keys[key as string] = (key as string).endsWith("database-url")
        ? `postgres://cosafe:${fakeSecret(key as string)}@db.internal:5432/cosafe`
        : fakeSecret(key as string);
    }
    secrets[match[1] as string] = keys;
  }
  const migrate = block.indexOf("kubectl apply -k deploy/k8s/migrate");
  const wait = block.indexOf("wait --for=condition=complete job/cosafe-scim-migrate");
  const rollout = block.search(/kubectl apply -k deploy\/k8s\s*$/m);
  if (migrate < 0 || wait < migrate || rollout < wait) {
    problems.push(
      "README, Kubernetes: the steps must run the migration Job and wait for it before `kubectl apply -k deploy/k8s`",
    );
  }
  return secrets;
}

interface Caller {
  where: string;
  name: string;
  secret: string;
  /** The servers it calls. */
  targets: string[];
}

/** Checks one rendered deployment (compose or Kubernetes); returns its problems. */
function checkContainers(containers: RenderedContainer[], problems: string[]): void {
  const servers = new Map<
    string,
    ReadonlyMap<string, { secrets: readonly string[]; roles: ReadonlySet<string> }>
  >();
  const callers: Caller[] = [];
  for (const container of containers) {
    const service = container.env.SERVICE;
    const isCli = container.mode === "cli" || container.mode === "tools";
    const program = isCli ? "cli" : service;
    const env: Env = { ...container.env };
    for (const name of container.perRun) env[name] = "support@cosafe.test";
    const allowedExtra = new Set(["NODE_OPTIONS", ...container.expansionInputs, ...container.perRun]);
    let read: Set<string>;
    if (container.mode === "migrate") {
      if (service !== "identity-core" && service !== "licensing") {
        problems.push(
          `${container.where}: migrate needs SERVICE identity-core or licensing, got "${service}"`,
        );
      }
      if (!/^postgres(ql)?:\/\//.test(container.env.DATABASE_URL ?? "")) {
        problems.push(`${container.where}: DATABASE_URL is not a postgres:// URL`);
      }
      read = new Set(["DATABASE_URL", "SERVICE"]);
    } else {
      const load = program ? programs[program] : undefined;
      if (!load) {
        problems.push(`${container.where}: SERVICE "${service}" names no service`);
        continue;
      }
      const result = readsOf(load, env);
      for (const problem of result.problems) problems.push(`${container.where}: ${problem}`);
      read = result.read;
      if (!isCli) read.add("SERVICE");
      const config = result.config as Record<string, unknown> | undefined;
      if (config && program === "scim-facade") {
        callers.push({
          where: container.where,
          name: String(config.serviceName),
          secret: String(config.serviceSecret),
          targets: ["identity-core"],
        });
      } else if (config && program === "cli") {
        callers.push({
          where: container.where,
          name: String(config.serviceName),
          secret: String(config.serviceSecret),
          targets: ["identity-core", "licensing"],
        });
      } else if (config && program) {
        servers.set(program, config.credentials as never);
        const licensing = config.licensing as { credential: { service: string; secret: string } } | undefined;
        if (program === "identity-core") {
          if (!licensing)
            problems.push(`${container.where}: LICENSING_URL is not set, seats are not metered (R9)`);
          else
            callers.push({
              where: container.where,
              ...licensing.credential,
              name: licensing.credential.service,
              targets: ["licensing"],
            });
        }
      }
    }
    for (const name of Object.keys(container.env)) {
      if (!read.has(name) && !allowedExtra.has(name)) {
        problems.push(`${container.where}: sets ${name}, which ${program ?? "the container"} does not read`);
      }
    }
  }
  for (const caller of callers) {
    for (const target of caller.targets) {
      const credentials = servers.get(target);
      if (!credentials) continue;
      const entry = credentials.get(caller.name);
      if (!entry)
        problems.push(
          `${caller.where}: calls ${target} as "${caller.name}", which ${target} does not accept`,
        );
      else if (!entry.secrets.includes(caller.secret)) {
        problems.push(`${caller.where}: its secret for "${caller.name}" is not one ${target} accepts`);
      }
    }
  }
}

/** Variables the README's environment tables document, per table heading ("identity-core", …). */
function documentedVariables(readme: string): Map<string, Set<string>> {
  const start = readme.indexOf("## Environment variables");
  const section = readme.slice(start, readme.indexOf("\n## ", start + 3));
  const tables = new Map<string, Set<string>>();
  let current = "";
  for (const line of section.split("\n")) {
    const heading = /^\*\*([^*]+)\*\*/.exec(line);
    if (heading) current = (heading[1] as string).replace(/ \(.*$/, "").trim();
    const row = /^\| `([A-Z_][A-Z0-9_]*)`/.exec(line);
    if (row && current) {
      const set = tables.get(current) ?? new Set<string>();
      set.add(row[1] as string);
      tables.set(current, set);
    }
  }
  return tables;
}

/**
 * Renders deploy/compose.yaml and the kustomize base exactly as deploy/README.md's steps
 * make them and checks that every secret and variable each service's config reads is
 * provided, that no container sets a variable nothing reads, that callers' secrets are
 * accepted by the servers they call, and that the README documents every variable.
 */
export function checkDeployment(root = repoRoot): string[] {
  const problems: string[] = [];
  const readme = readFileSync(join(root, "deploy/README.md"), "utf8");

  const compose = renderCompose(
    join(root, "deploy/compose.yaml"),
    composeShellEnv(readme, problems),
    problems,
  );
  for (const name of [
    "identity-core",
    "licensing",
    "scim-facade",
    "identity-core-migrate",
    "licensing-migrate",
    "cli",
  ]) {
    if (!compose.some((c) => c.where === `compose ${name}`)) problems.push(`compose: no service "${name}"`);
  }
  checkContainers(compose, problems);

  const secrets = kubernetesSecrets(readme, problems);
  const objects = [
    ...readKustomization(join(root, "deploy/k8s"), problems),
    ...readKustomization(join(root, "deploy/k8s/migrate"), problems),
  ];
  for (const kind of [
    "Deployment/identity-core",
    "Deployment/licensing",
    "Deployment/scim-facade",
    "Deployment/cosafe-tools",
    "Job/cosafe-scim-migrate",
  ]) {
    if (!objects.some((o) => `${o.kind}/${o.metadata.name}` === kind)) problems.push(`k8s: no ${kind}`);
  }
  checkContainers(renderKubernetes(objects, secrets, problems), problems);

  const template = readFileSync(join(root, "deploy/k8s/secret.template.yaml"), "utf8");
  const templateKeys = [...template.matchAll(/^ {2}([\w-]+): REPLACE_ME$/gm)].map((m) => m[1]).sort();
  const readmeKeys = Object.keys(secrets["cosafe-scim-secrets"] ?? {}).sort();
  if (templateKeys.join() !== readmeKeys.join()) {
    problems.push(
      `secret.template.yaml keys (${templateKeys.join(", ")}) differ from the README's (${readmeKeys.join(", ")})`,
    );
  }

  const documented = documentedVariables(readme);
  const common = documented.get("All three services") ?? new Set<string>();
  const everything: Env = {
    DATABASE_URL: "postgres://x@db/cosafe",
    COSAFE_SERVICE_CREDENTIALS: `scim-facade:${fakeSecret("a")}`,
    COSAFE_SERVICE_SECRET: fakeSecret("b"),
    LICENSING_URL: "http://licensing:50052",
  };
  for (const program of ["identity-core", "licensing", "scim-facade"]) {
    const table = documented.get(program) ?? new Set<string>();
    for (const name of readsOf(programs[program] as Loader, everything).read) {
      if (!table.has(name) && !common.has(name)) {
        problems.push(`README: ${program} reads ${name}, which its environment table does not document`);
      }
    }
  }
  return problems;
}
