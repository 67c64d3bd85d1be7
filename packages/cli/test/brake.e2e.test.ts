import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "../src/exit-codes.js";
import { type CliStack, parseJson, startCliStack } from "./support/cli-harness.js";

// Issues 7 and 12: the mass-deprovision brake over SCIM HTTP, shown, set, released and
// discarded with the CLI (docs/adr/0012-mass-deprovision-brake.md).

let s: CliStack;
let dir: string;

beforeAll(async () => {
  s = await startCliStack();
  dir = await mkdtemp(join(tmpdir(), "cosafe-brake-"));
});

afterAll(async () => {
  await s?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * A tenant with `count` established users: imported with `cosafe import` (MANUAL, as a customer
 * migrating to SCIM has them), so the brake counts them (issue 12; the IdP adopts each on its
 * first write, R12). The IdP's own users younger than 24 h would never be held.
 */
async function tenantWithUsers(
  name: string,
  count: number,
): Promise<{ tenantId: string; token: string; ids: string[] }> {
  const created = parseJson<{ tenant: { id: string } }>(await s.cli(["tenant", "create", name, "--json"]));
  const tenantId = created.tenant.id;
  expect((await s.cli(["seats", "set-limit", tenantId, "500"])).code).toBe(ExitCode.OK);
  const issued = await s.cli(["token", "issue", tenantId, "--name", "Entra ID"]);
  const token = /^\s*secret\s+(\S+)/m.exec(issued.stdout)?.[1] as string;
  const ids = Array.from({ length: count }, () => randomUUID()).sort();
  const domain = name.toLowerCase().replace(/\W/g, "");
  const file = join(dir, `${domain}.json`);
  await writeFile(
    file,
    JSON.stringify({
      version: 1,
      users: ids.map((id, i) => ({ id, userName: `user${i}@${domain}.example` })),
    }),
  );
  const imported = await s.cli(["import", tenantId, file]);
  expect(imported.code, imported.stderr).toBe(ExitCode.OK);
  return { tenantId, token, ids };
}

function deactivate(token: string, id: string) {
  return fetch(`${s.stack.scimBaseUrl}/Users/${id}`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json" },
    body: JSON.stringify({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", value: { active: false } }],
    }),
  });
}

async function burst(token: string, ids: readonly string[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const id of ids) {
    const res = await deactivate(token, id);
    if (res.status === 503) expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    statuses.push(res.status);
    await res.body?.cancel();
  }
  return statuses;
}

async function active(token: string, id: string): Promise<boolean> {
  const res = await fetch(`${s.stack.scimBaseUrl}/Users/${id}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return ((await res.json()) as { active: boolean }).active;
}

describe("issue 7: the mass-deprovision brake", () => {
  it("100 users, 30 deactivated in a burst: 20 pass, 10 get 503; brake release; the retries pass", async () => {
    const { tenantId, token, ids } = await tenantWithUsers("Brake Release", 100);
    const victims = ids.slice(0, 30);

    expect(await burst(token, victims)).toEqual([...Array(20).fill(200), ...Array(10).fill(503)]);
    for (const id of victims.slice(20)) expect(await active(token, id)).toBe(true);

    const listed = await s.cli(["brake", "list", tenantId, "--json"]);
    expect(listed.code, listed.stderr).toBe(ExitCode.OK);
    const json = parseJson<{
      brake: { recentCount: number; heldCount: number };
      held: { userIds: string[] }[];
    }>(listed);
    expect(json.brake).toMatchObject({ recentCount: 20, heldCount: 10 });
    expect(json.held.flatMap((h) => h.userIds).sort()).toEqual(victims.slice(20).sort());
    const table = await s.cli(["brake", "list", tenantId]);
    expect(table.stdout).toContain("INACTIVE");

    const released = await s.cli(["brake", "release", tenantId]);
    expect(released.code, released.stderr).toBe(ExitCode.OK);
    expect(released.stdout).toMatch(/Released 10 held deprovisioning/);

    expect(await burst(token, victims.slice(20))).toEqual(Array(10).fill(200));
    for (const id of victims) expect(await active(token, id)).toBe(false);
  });

  it("the same with a discard: the held users stay, the IdP's retries are still refused", async () => {
    const { tenantId, token, ids } = await tenantWithUsers("Brake Discard", 100);
    const victims = ids.slice(0, 30);
    expect((await burst(token, victims)).filter((st) => st === 503)).toHaveLength(10);

    const discarded = await s.cli(["brake", "discard", tenantId]);
    expect(discarded.code, discarded.stderr).toBe(ExitCode.OK);
    expect(discarded.stdout).toMatch(/Discarded 10 held deprovisioning/);
    const after = parseJson<{ held: unknown[] }>(await s.cli(["brake", "list", tenantId, "--json"]));
    expect(after.held).toEqual([]);

    expect(await burst(token, victims.slice(20, 23))).toEqual([503, 503, 503]);
    for (const id of victims.slice(20)) expect(await active(token, id)).toBe(true);
  });

  it("brake set tunes the threshold (audited), brake show prints it; the IdP's next burst follows it", async () => {
    const { tenantId, token, ids } = await tenantWithUsers("Brake Set", 100);

    const shown = await s.cli(["brake", "show", tenantId]);
    expect(shown.code, shown.stderr).toBe(ExitCode.OK);
    expect(shown.stdout).toMatch(/10% of established users, at least 20, per 1 h/);
    expect(shown.stdout).toMatch(/less than 24 h ago/);
    expect(shown.stdout).toMatch(/100 provisioned user\(s\) counted/);

    const set = await s.cli([
      "brake",
      "set",
      tenantId,
      "--percent",
      "30",
      "--minimum",
      "5",
      "--window",
      "2h",
      "--young-user-age",
      "3d",
    ]);
    expect(set.code, set.stderr).toBe(ExitCode.OK);
    expect(set.stdout).toMatch(/30% of established users, at least 5, per 2 h/);
    expect(set.stdout).toMatch(/less than 3 d ago/);
    const json = parseJson<{ brake: { settings: Record<string, number>; limit: number } }>(
      await s.cli(["brake", "show", tenantId, "--json"]),
    );
    expect(json.brake.settings).toEqual({
      percent: 30,
      minimum: 5,
      windowSeconds: 7200,
      youngUserSeconds: 259200,
    });
    expect(json.brake.limit).toBe(30);

    // Only --minimum: the other settings stay.
    expect((await s.cli(["brake", "set", tenantId, "--minimum", "40"])).code).toBe(ExitCode.OK);
    const audit = await s.cli(["audit", tenantId, "--target-type", "tenant", "--json"]);
    expect(audit.stdout.match(/deprovision_brake\.updated/g)).toHaveLength(2);
    expect(audit.stdout).toContain("support@cosafe.test");

    // max(40, 30% of 100) = 40 IdP deactivations pass, the 41st is held.
    const statuses = await burst(token, ids.slice(0, 41));
    expect(statuses.filter((st) => st === 200)).toHaveLength(40);
    expect(statuses[40]).toBe(503);

    // Usage errors are in cli-usage.test.ts; the service's bounds come back as a failure.
    const tooLong = await s.cli(["brake", "set", tenantId, "--window", "8d"]);
    expect(tooLong.code).toBe(ExitCode.FAILURE);
    expect(tooLong.stderr).toMatch(/7 days/);
  });

  it("an unknown tenant is an error (exit 1)", async () => {
    const res = await s.cli(["brake", "list", "00000000-0000-4000-8000-00000000dead"]);
    expect(res.code).toBe(ExitCode.FAILURE);
  });
});
