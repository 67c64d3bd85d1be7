#!/bin/sh
# Checks that deploy/Dockerfile copies the package.json of every pnpm workspace project into
# its dependency layer. A forgotten one is not caught by `pnpm install --frozen-lockfile`
# (it installs the projects it finds and says nothing), so the image would build and then
# fail at run time on a missing dependency. Run it after adding a workspace package.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd -P)
expected=$(pnpm ls -r --depth -1 --parseable | sed "s|^$root||; s|\$|/package.json|; s|^/||" | sort)
listed=$(sed -n 's/^COPY \([^ ]*package\.json\) .*/\1/p' deploy/Dockerfile | sort)
if [ "$expected" != "$listed" ]; then
  echo "deploy/Dockerfile's manifest COPY lines differ from the workspace (< workspace, > Dockerfile):" >&2
  printf '%s\n' "$expected" >/tmp/cosafe-manifests-expected.$$
  printf '%s\n' "$listed" | diff /tmp/cosafe-manifests-expected.$$ - >&2 || true
  rm -f /tmp/cosafe-manifests-expected.$$
  exit 1
fi
echo "deploy/Dockerfile copies all $(printf '%s\n' "$expected" | wc -l | tr -d ' ') workspace manifests"
