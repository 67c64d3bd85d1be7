import { defineConfig } from "vitest/config";

// One root command runs every workspace project: pure packages, services (against real
// PostgreSQL) and the end-to-end suite in test/. The global setup provides a PostgreSQL
// server: DATABASE_URL when set, otherwise an embedded PostgreSQL 15 started for the run.
export default defineConfig({
  test: {
    projects: ["packages/*", "services/*", "test"],
    globalSetup: ["./packages/testing/src/global-setup.ts"],
    // Vitest's default on a 2-core machine is one worker; most of our files wait on
    // PostgreSQL or on service child processes, so two files at a time keep both cores busy.
    maxWorkers: 2,
    coverage: {
      provider: "v8",
      include: ["packages/scim/src/**/*.ts"],
      exclude: ["**/*.test.ts", "**/test/**"],
      reporter: ["text-summary"],
      thresholds: { lines: 95 },
    },
  },
});
