import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "scim", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
