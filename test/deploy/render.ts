import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse, parseAllDocuments } from "yaml";

/** Environment of one container (compose service or Kubernetes pod container) after rendering. */
export interface RenderedContainer {
  /** e.g. "compose identity-core" or "k8s Deployment/identity-core container identity-core". */
  where: string;
  /** The image's command: entrypoint.sh's first argument (serve, migrate, cli, tools). */
  mode: string;
  env: Record<string, string>;
  /** Variables only used as inputs of other values ($(VAR) expansion). */
  expansionInputs: Set<string>;
  /** Variables given per run, not by the manifest (the CLI's COSAFE_SUPPORT_PERSON). */
  perRun: string[];
}

type Json = Record<string, unknown>;

/** `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}` as compose interpolates them. */
export function interpolate(
  text: string,
  env: Record<string, string>,
  problems: string[],
  where: string,
): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (_m, name: string, op?: string, arg?: string) => {
      const value = env[name];
      const unsetOrEmpty = value === undefined || (op?.startsWith(":") && value === "");
      if (op === ":-" || op === "-") return unsetOrEmpty ? (arg ?? "") : (value as string);
      if (op === ":?" || op === "?") {
        if (unsetOrEmpty) {
          problems.push(`${where}: \${${name}} is required and not set by the README's steps`);
          return "";
        }
        return value as string;
      }
      return value ?? "";
    },
  );
}

function interpolateDeep(
  value: unknown,
  env: Record<string, string>,
  problems: string[],
  where: string,
): unknown {
  if (typeof value === "string") return interpolate(value, env, problems, where);
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, env, problems, where));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env, problems, where)]),
    );
  }
  return value;
}

/** Renders deploy/compose.yaml with the given shell environment, as `docker compose config` would. */
export function renderCompose(
  file: string,
  shellEnv: Record<string, string>,
  problems: string[],
): RenderedContainer[] {
  const doc = parse(readFileSync(file, "utf8"), { merge: true }) as Json;
  const rendered = interpolateDeep(doc, shellEnv, problems, "compose") as Json;
  const services = (rendered.services ?? {}) as Record<string, Json>;
  const result: RenderedContainer[] = [];
  for (const [name, service] of Object.entries(services)) {
    if (typeof service.image === "string" && service.image.startsWith("postgres")) continue;
    const raw = service.environment ?? {};
    const env: Record<string, string> = Array.isArray(raw)
      ? Object.fromEntries(
          (raw as string[]).map((entry) => [entry.split("=")[0], entry.slice(entry.indexOf("=") + 1)]),
        )
      : Object.fromEntries(Object.entries(raw as Json).map(([k, v]) => [k, String(v)]));
    const entrypoint = (service.entrypoint as string[] | undefined) ?? [];
    const command = (service.command as string[] | undefined) ?? ["serve"];
    const mode = entrypoint.length > 1 ? (entrypoint[1] as string) : (command[0] ?? "serve");
    result.push({
      where: `compose ${name}`,
      mode,
      env,
      expansionInputs: new Set(),
      perRun: mode === "cli" ? ["COSAFE_SUPPORT_PERSON"] : [],
    });
  }
  return result;
}

export interface KubernetesObject extends Json {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

/**
 * The objects of a kustomization, as `kustomize build` lists them for what this repository
 * uses: `resources` (files or directories with their own kustomization), `namespace`,
 * `images` (name → newName:newTag). Anything else it does not know is reported.
 */
export function readKustomization(dir: string, problems: string[]): KubernetesObject[] {
  const kustomization = parse(readFileSync(join(dir, "kustomization.yaml"), "utf8")) as Json;
  const known = new Set(["apiVersion", "kind", "namespace", "labels", "resources", "images"]);
  for (const key of Object.keys(kustomization)) {
    if (!known.has(key))
      problems.push(`${dir}/kustomization.yaml: field "${key}" is not understood by the check`);
  }
  const objects: KubernetesObject[] = [];
  for (const resource of (kustomization.resources ?? []) as string[]) {
    const path = join(dir, resource);
    if (!resource.endsWith(".yaml") && !resource.endsWith(".yml")) {
      objects.push(...readKustomization(path, problems));
      continue;
    }
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      problems.push(`${dir}/kustomization.yaml lists ${resource}, which does not exist`);
      continue;
    }
    for (const document of parseAllDocuments(text)) {
      if (document.errors.length > 0) problems.push(`${path}: ${document.errors[0]?.message}`);
      const object = document.toJS() as KubernetesObject | null;
      if (!object) continue;
      if (!object.apiVersion || !object.kind || !object.metadata?.name) {
        problems.push(`${path}: an object without apiVersion, kind or metadata.name`);
        continue;
      }
      objects.push(object);
    }
  }
  const namespace = kustomization.namespace as string | undefined;
  const images = (kustomization.images ?? []) as { name: string; newName?: string; newTag?: string }[];
  for (const object of objects) {
    if (namespace && object.kind !== "Namespace") object.metadata.namespace = namespace;
    for (const container of podContainers(object)) {
      const image = images.find((i) => i.name === container.image);
      if (image) container.image = `${image.newName ?? image.name}${image.newTag ? `:${image.newTag}` : ""}`;
    }
  }
  return objects;
}

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: {
      secretKeyRef?: { name: string; key: string };
      configMapKeyRef?: { name: string; key: string };
    };
  }[];
}

function podContainers(object: KubernetesObject): Container[] {
  const spec = object.spec as Json | undefined;
  const template = (spec?.jobTemplate as Json | undefined)?.spec ?? spec;
  const pod = ((template as Json | undefined)?.template as Json | undefined)?.spec as Json | undefined;
  return [...((pod?.initContainers ?? []) as Container[]), ...((pod?.containers ?? []) as Container[])];
}

/**
 * Every container's environment as the kubelet builds it: values, `$(VAR)` expansion of
 * earlier variables, Secret keys (`secrets`: name → the keys the README's command creates)
 * and ConfigMap keys of the rendered objects. A missing key is a problem: the pod would not start.
 */
export function renderKubernetes(
  objects: KubernetesObject[],
  secrets: Record<string, Record<string, string>>,
  problems: string[],
): RenderedContainer[] {
  const configMaps = new Map(
    objects
      .filter((o) => o.kind === "ConfigMap")
      .map((o) => [o.metadata.name, (o.data ?? {}) as Record<string, string>]),
  );
  const result: RenderedContainer[] = [];
  for (const object of objects) {
    for (const container of podContainers(object)) {
      const where = `k8s ${object.kind}/${object.metadata.name} container ${container.name}`;
      const env: Record<string, string> = {};
      const expansionInputs = new Set<string>();
      for (const variable of container.env ?? []) {
        if (variable.value !== undefined) {
          env[variable.name] = String(variable.value).replace(
            /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
            (m, name: string) => {
              if (env[name] === undefined) {
                problems.push(
                  `${where}: ${variable.name} expands $(${name}), which is not defined before it`,
                );
                return m;
              }
              expansionInputs.add(name);
              return env[name] as string;
            },
          );
          continue;
        }
        const secretRef = variable.valueFrom?.secretKeyRef;
        const configRef = variable.valueFrom?.configMapKeyRef;
        const source = secretRef
          ? secrets[secretRef.name]
          : configRef
            ? configMaps.get(configRef.name)
            : undefined;
        const ref = secretRef ?? configRef;
        const kind = secretRef ? "Secret" : "ConfigMap";
        if (!ref) {
          problems.push(`${where}: ${variable.name} has neither a value nor a Secret/ConfigMap key`);
        } else if (!source) {
          problems.push(`${where}: ${variable.name} reads ${kind} "${ref.name}", which is not created`);
        } else if (source[ref.key] === undefined) {
          problems.push(
            `${where}: ${variable.name} reads key "${ref.key}" of ${kind} "${ref.name}", which has no such key`,
          );
        } else {
          env[variable.name] = source[ref.key] as string;
        }
      }
      const mode = container.args?.[0] ?? container.command?.at(-1) ?? "serve";
      result.push({
        where,
        mode,
        env,
        expansionInputs,
        perRun: mode === "tools" ? ["COSAFE_SUPPORT_PERSON"] : [],
      });
    }
  }
  return result;
}

/** The fenced `sh` blocks under a `## heading` of a Markdown file. */
export function shellBlocks(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`## ${heading}\n`);
  if (start < 0) return [];
  const next = markdown.indexOf("\n## ", start + 3);
  const section = markdown.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] as string);
}

export const repoRoot = join(dirname(new URL(import.meta.url).pathname), "../..");
