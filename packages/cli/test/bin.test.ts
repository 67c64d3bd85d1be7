import { freePort } from "@cosafe/testing";
import { describe, expect, it } from "vitest";
import { bin, spawnCli } from "./support/spawn-cli.js";

describe("the real binary", () => {
  it("`pnpm cosafe --help` prints the overview and exits 0", async () => {
    const result = await spawnCli("pnpm", ["cosafe", "--help"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Usage: cosafe <command>");
  });

  it("bin/cosafe.mjs passes exit codes through: usage 2, unreachable 3", async () => {
    const usage = await spawnCli(process.execPath, [bin, "tenant", "create"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("missing <name>");
    const unreachable = await spawnCli(process.execPath, [bin, "tenant", "list"], {
      COSAFE_IDENTITY_CORE_URL: `http://127.0.0.1:${await freePort()}`,
      COSAFE_SERVICE_SECRET: "a-secret-of-sufficient-length",
      COSAFE_SUPPORT_PERSON: "support@cosafe.test",
    });
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain("cannot reach identity-core");
  });
});
