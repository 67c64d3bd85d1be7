import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../..");
const checkedIn = resolve(root, "packages/proto/src/gen");

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

describe("generated code", () => {
  it("is exactly what `pnpm generate` produces from proto/", () => {
    const out = mkdtempSync(join(tmpdir(), "cosafe-gen-"));
    try {
      const template = JSON.stringify({
        version: "v2",
        plugins: [{ local: "protoc-gen-es", out, opt: ["target=ts", "import_extension=js"] }],
      });
      const bin = resolve(root, "node_modules/.bin");
      execFileSync(join(bin, "buf"), ["generate", "--template", template], {
        cwd: root,
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
        stdio: "pipe",
      });
      const fresh = listFiles(out)
        .map((f) => relative(out, f))
        .sort();
      const committed = listFiles(checkedIn)
        .map((f) => relative(checkedIn, f))
        .sort();
      expect(committed).toEqual(fresh);
      for (const file of fresh) {
        expect(readFileSync(join(checkedIn, file), "utf8"), `${file} drifted: run pnpm generate`).toBe(
          readFileSync(join(out, file), "utf8"),
        );
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
