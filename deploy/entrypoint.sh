#!/bin/sh
# Container entry point of the Cosafe SCIM image (one image, three services).
#
#   SERVICE=identity-core|licensing|scim-facade  entrypoint.sh [serve|migrate]
#   entrypoint.sh cosafe <command> ...     the support CLI (`cli` is the same), e.g. `cosafe tenant list`
#   entrypoint.sh tools                    idle until SIGTERM: a tools container to `kubectl exec` the CLI in
#
#   serve    (default) run services/$SERVICE/dist/main.js: applies pending migrations under
#            an advisory lock (identity-core, licensing), then serves until SIGTERM.
#   migrate  run services/$SERVICE/dist/migrate.js: apply pending migrations and exit
#            (identity-core and licensing only; for a pre-deploy Job).
#   cosafe   run the support CLI, packages/cli/dist/main.js, with the remaining arguments
#            (configured by COSAFE_* variables, see `cosafe --help`).
#
# `exec` makes node PID 1, so SIGTERM from Docker or the kubelet reaches the service's own
# graceful-shutdown handler directly. The image holds the compiled JavaScript of `pnpm
# build`; --conditions=cosafe-dist makes the workspace packages resolve to their dist/
# instead of their TypeScript sources (docs/adr/0020-production-build.md).
set -eu

# The image root (/app): this script lives in <root>/deploy.
root="$(cd "$(dirname "$0")/.." && pwd)"

usage() {
  echo "usage: SERVICE=identity-core|licensing|scim-facade $0 [serve|migrate]  |  $0 cosafe <args>  |  $0 tools" >&2
  exit 64
}

# The support CLI and the idle tools container need no SERVICE (docs/support-runbook.md).
case "${1:-}" in
  cosafe | cli)
    shift
    exec node --conditions=cosafe-dist "$root/packages/cli/dist/main.js" "$@"
    ;;
  tools)
    exec node -e 'process.on("SIGTERM", () => process.exit(0)); setInterval(() => {}, 1 << 30)'
    ;;
esac

service="${SERVICE:-}"
case "$service" in
  identity-core | licensing | scim-facade) ;;
  "") echo "entrypoint: SERVICE is not set" >&2; usage ;;
  *) echo "entrypoint: unknown SERVICE \"$service\"" >&2; usage ;;
esac

case "${1:-serve}" in
  serve) script=main ;;
  migrate)
    if [ "$service" = scim-facade ]; then
      echo "entrypoint: scim-facade has no database and no migrations" >&2
      exit 64
    fi
    script=migrate
    ;;
  *) usage ;;
esac

cd "$root/services/$service"
exec node --conditions=cosafe-dist "dist/$script.js"
