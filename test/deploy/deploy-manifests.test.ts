import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { productionNodeOptions } from "@cosafe/dev-stack";
import { afterAll, describe, expect, it } from "vitest";
import { checkDeployment } from "./check-deployment.js";
import { repoRoot } from "./render.js";

const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/** A copy of deploy/ with one edit, to show the check notices it. */
function withEdit(file: string, edit: (text: string) => string): string {
  const root = mkdtempSync(join(tmpdir(), "cosafe-deploy-"));
  copies.push(root);
  cpSync(join(repoRoot, "deploy"), join(root, "deploy"), { recursive: true });
  const path = join(root, "deploy", file);
  writeFileSync(path, edit(readFileSync(path, "utf8")));
  return root;
}

describe("deploy/README.md's steps render a complete deployment (issue 14)", () => {
  it("compose and the kustomize base provide every secret and variable each service's config reads", () => {
    expect(checkDeployment()).toEqual([]);
  });

  it("notices a Secret key the README's command does not create", () => {
    const root = withEdit("README.md", (t) =>
      t.replace(/ *--from-literal=support-cli-secret=[^\n]*\n/, "\n"),
    );
    expect(checkDeployment(root).join("\n")).toMatch(
      /key "support-cli-secret" of Secret "cosafe-scim-secrets"/,
    );
  });

  it("notices a compose secret the README does not export", () => {
    const root = withEdit("README.md", (t) => t.replace(/export COSAFE_CORE_SECRET=[^\n]*\n/, ""));
    expect(checkDeployment(root).join("\n")).toMatch(/\$\{COSAFE_CORE_SECRET\} is required/);
  });

  it("notices a caller whose secret the server does not accept, and a variable nothing reads", () => {
    const root = withEdit("compose.yaml", (t) =>
      t
        .replace(
          "COSAFE_SERVICE_NAME: scim-facade",
          'COSAFE_SERVICE_NAME: scim-facade\n      SCIM_TOKEN_TTL: "1"',
        )
        .replace(
          /support-cli:\$\{COSAFE_SUPPORT_CLI_SECRET[^}]*\}(\n +LICENSING_DB_POOL_MAX)/,
          (_m, rest: string) => ["support-cli:$", "{COSAFE_ADMIN_PANEL_SECRET}", rest].join(""),
        ),
    );
    const problems = checkDeployment(root).join("\n");
    expect(problems).toMatch(/compose scim-facade: sets SCIM_TOKEN_TTL/);
    expect(problems).toMatch(/compose cli: its secret for "support-cli" is not one licensing accepts/);
  });
});

describe("benchmarks run the services as deploy/k8s does (issue 11)", () => {
  it("every service's NODE_OPTIONS in deploy/k8s is the benchmarks' productionNodeOptions", () => {
    for (const service of ["identity-core", "licensing", "scim-facade"] as const) {
      const manifest = readFileSync(join(repoRoot, "deploy", "k8s", `${service}.yaml`), "utf8");
      const values = [...manifest.matchAll(/- name: NODE_OPTIONS\s+value: ([^\n]+)/g)].map((m) => m[1]);
      expect(values, service).toEqual([productionNodeOptions[service]]);
    }
  });
});
