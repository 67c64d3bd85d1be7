import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "scim-facade", include: ["test/**/*.test.ts", "src/**/*.test.ts"] },
});
