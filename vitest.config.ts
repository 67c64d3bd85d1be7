import { defineConfig } from "vitest/config";

// One root command runs every workspace project: pure packages, services (against real
// PostgreSQL) and the end-to-end suite in test/. The global setup provides a PostgreSQL
// server: DATABASE_URL when set, otherwise an embedded PostgreSQL 15 started for the run.
export default defineConfig({
  test: {
    projects: ["packages/*", "services/*", "test"],
    globalSetup: ["./packages/testing/src/global-setup.ts"],
    coverage: {
      provider: "v8",
      include: ["packages/scim/src/**/*.ts"],
      exclude: ["**/*.test.ts", "**/test/**"],
      reporter: ["text-summary"],
      thresholds: { lines: 95 },
    },
  },
});
