#!/bin/sh
# Container entry point of the Cosafe SCIM image (one image, three services).
#
#   SERVICE=identity-core|licensing|scim-facade  entrypoint.sh [serve|migrate]
#   entrypoint.sh cli <cosafe arguments>   the support CLI (packages/cli), e.g. `cli tenants list`
#   entrypoint.sh tools                    idle until SIGTERM: a tools container to `kubectl exec` the CLI in
#
#   serve    (default) run services/$SERVICE/src/main.ts: applies pending migrations under
#            an advisory lock (identity-core, licensing), then serves until SIGTERM.
#   migrate  run services/$SERVICE/src/migrate.ts: apply pending migrations and exit
#            (identity-core and licensing only; for a pre-deploy Job).
#
# `exec` makes node PID 1, so SIGTERM from Docker or the kubelet reaches the service's own
# graceful-shutdown handler directly. TypeScript runs through tsx (`--import tsx`); there
# is no compile step (docs/adr/0008-deployment.md).
set -eu

usage() {
  echo "usage: SERVICE=identity-core|licensing|scim-facade $0 [serve|migrate]  |  $0 cli <args>  |  $0 tools" >&2
  exit 64
}

# The image root (/app): this script lives in <root>/deploy.
root="$(cd "$(dirname "$0")/.." && pwd)"

# The support CLI and the idle tools container need no SERVICE (docs/support-runbook.md).
case "${1:-}" in
  cli)
    shift
    cd "$root/packages/cli"
    exec node --import tsx src/main.ts "$@"
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
exec node --import tsx "src/$script.ts"
