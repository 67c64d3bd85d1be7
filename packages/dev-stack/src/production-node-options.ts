import type { ServiceName } from "./service-process.js";

/**
 * The Node.js options each service runs with in production: deploy/k8s sets this NODE_OPTIONS on
 * the service (V8's heap kept below the pods' 512 Mi memory limit, so the garbage collector
 * works before the OOM killer does). Benchmarks run the compiled services with them too, so their
 * memory and CPU figures are the production runtime's (docs/performance.md); a deploy test keeps
 * the manifests and these values in step.
 *
 * The old-space cap makes V8 collect before garbage piles up. identity-core and licensing keep a
 * 16 MB semi-space, which the cap would otherwise shrink (a 10,000-member page costs identity-core
 * about 10 % more CPU in a smaller young generation). The facade keeps little alive between
 * requests, and its peak RSS under the 10,000-member reads falls with its young generation: 163–168
 * MB at 16, 148–154 at 8, 141–143 at 4. Its CPU per filter rises the other way (about 2 % at 8,
 * 7 % at 4; docs/performance.md, 2026-12-06): 8 MB is the compromise.
 */
export const productionNodeOptions: Record<ServiceName, string> = {
  "identity-core": "--max-old-space-size=384 --max-semi-space-size=16",
  licensing: "--max-old-space-size=384 --max-semi-space-size=16",
  "scim-facade": "--max-old-space-size=384 --max-semi-space-size=8",
};

/** Each service's environment for `startStack({ serviceEnv })`: its production NODE_OPTIONS, plus `extra`. */
export function productionNodeEnv(extra?: string): Record<ServiceName, Record<string, string>> {
  const env = (service: ServiceName) => ({
    NODE_OPTIONS: [productionNodeOptions[service], extra].filter(Boolean).join(" "),
  });
  return {
    "identity-core": env("identity-core"),
    licensing: env("licensing"),
    "scim-facade": env("scim-facade"),
  };
}
