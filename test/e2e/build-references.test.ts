import { readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// `pnpm build` (tsc -b tsconfig.build.json) builds a project's references first. A workspace
// dependency missing from `references` builds in a warm checkout (its dist/ is already there)
// and fails in a fresh one, and one without the `cosafe-dist` export would make compiled code
// import TypeScript. This keeps tsconfig.build.json files and package.json files in step.

const repoRoot = resolve(import.meta.dirname, "../..");

type Manifest = { name: string; dependencies?: Record<string, string>; exports?: Record<string, unknown> };
type BuildConfig = { references?: { path: string }[] };

const readJson = async <T>(path: string) => JSON.parse(await readFile(path, "utf8")) as T;

/** Every project `pnpm build` compiles: the roots of tsconfig.build.json and their references. */
async function builtProjects(): Promise<Map<string, { manifest: Manifest; references: string[] }>> {
  const projects = new Map<string, { manifest: Manifest; references: string[] }>();
  const visit = async (configPath: string) => {
    const dir = relative(repoRoot, dirname(configPath));
    if (projects.has(dir)) return;
    const config = await readJson<BuildConfig>(configPath);
    const references = (config.references ?? []).map((ref) => resolve(dirname(configPath), ref.path));
    projects.set(dir, {
      manifest: await readJson<Manifest>(join(repoRoot, dir, "package.json")),
      references: references.map((path) => relative(repoRoot, dirname(path))).sort(),
    });
    for (const path of references) await visit(path);
  };
  const root = await readJson<BuildConfig>(join(repoRoot, "tsconfig.build.json"));
  for (const ref of root.references ?? []) await visit(resolve(repoRoot, ref.path));
  return projects;
}

describe("production build configuration (issue 11)", () => {
  it("builds the three services and the CLI", async () => {
    const projects = await builtProjects();
    for (const entry of [
      "services/identity-core",
      "services/licensing",
      "services/scim-facade",
      "packages/cli",
    ]) {
      expect(projects.has(entry), entry).toBe(true);
    }
  });

  it("each built project references exactly its workspace dependencies, which export dist/ under cosafe-dist", async () => {
    const projects = await builtProjects();
    const byName = new Map([...projects].map(([dir, project]) => [project.manifest.name, dir]));
    for (const [dir, { manifest, references }] of projects) {
      const workspaceDeps = Object.entries(manifest.dependencies ?? {})
        .filter(([, version]) => version.startsWith("workspace:"))
        .map(([name]) => byName.get(name) ?? `${name} (not built by pnpm build)`);
      expect(references, `${dir}/tsconfig.build.json references`).toEqual(workspaceDeps.sort());
    }
    for (const [dir, { manifest }] of projects) {
      if (dir.startsWith("services/")) continue;
      for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
        expect(target, `${manifest.name} exports["${subpath}"]`).toMatchObject({
          "cosafe-dist": expect.stringMatching(/^\.\/dist\/.*\.js$/),
          default: expect.stringMatching(/^\.\/src\/.*\.ts$/),
        });
      }
    }
  });
});
