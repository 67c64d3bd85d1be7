/**
 * The Node.js options the services run with in production: deploy/k8s sets this NODE_OPTIONS
 * on every service (V8's heap kept below the pods' 512 Mi memory limit, so the garbage collector
 * works before the OOM killer does). Benchmarks run the compiled services with it too, so their
 * memory and CPU figures are the production runtime's (docs/performance.md); a deploy test keeps
 * the manifests and this value in step.
 */
export const productionNodeOptions = "--max-old-space-size=384 --max-semi-space-size=16";
