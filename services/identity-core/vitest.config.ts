import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "identity-core",
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
