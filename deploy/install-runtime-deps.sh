#!/bin/sh
# Installs the production dependencies of what the image runs, and nothing else: the three
# services and the support CLI, with the workspace packages they depend on (dependencies
# only: --filter-prod does not follow devDependencies, so the test harness, embedded
# PostgreSQL, tsx, TypeScript and vitest stay out). Run it in a folder that holds the root
# manifests and every workspace package.json (deploy/Dockerfile's `runtime-deps` stage; the
# layout test in test/e2e/production-build.e2e.test.ts). Extra arguments go to pnpm install.
set -eu
exec pnpm install --frozen-lockfile --prod \
  --filter-prod '@cosafe/identity-core...' \
  --filter-prod '@cosafe/licensing...' \
  --filter-prod '@cosafe/scim-facade...' \
  --filter-prod '@cosafe/cli...' \
  "$@"
