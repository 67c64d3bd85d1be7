import { defineProject } from "vitest/config";

// The CLI's tests drive the real stack (three service processes on a fresh database), so
// timeouts are generous.
export default defineProject({
  test: { name: "cli", include: ["test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 120_000 },
});
