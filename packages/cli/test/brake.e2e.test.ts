import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "../src/exit-codes.js";
import { type CliStack, parseJson, startCliStack } from "./support/cli-harness.js";

// Issue 7: the mass-deprovision brake over SCIM HTTP, released and discarded with the CLI
// (docs/adr/0012-mass-deprovision-brake.md).

let s: CliStack;

beforeAll(async () => {
  s = await startCliStack();
});

afterAll(() => s?.stop());

async function tenantWithUsers(
  name: string,
  count: number,
): Promise<{ tenantId: string; token: string; ids: string[] }> {
  const created = parseJson<{ tenant: { id: string } }>(await s.cli(["tenant", "create", name, "--json"]));
  const tenantId = created.tenant.id;
  expect((await s.cli(["seats", "set-limit", tenantId, "500"])).code).toBe(ExitCode.OK);
  const issued = await s.cli(["token", "issue", tenantId, "--name", "Entra ID"]);
  const token = /^\s*secret\s+(\S+)/m.exec(issued.stdout)?.[1] as string;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${s.stack.scimBaseUrl}/Users`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json" },
      body: JSON.stringify({
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
        userName: `user${i}@${name.toLowerCase().replace(/\W/g, "")}.example`,
      }),
    });
    expect(res.status).toBe(201);
    ids.push(((await res.json()) as { id: string }).id);
  }
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

  it("an unknown tenant is an error (exit 1)", async () => {
    const res = await s.cli(["brake", "list", "00000000-0000-4000-8000-00000000dead"]);
    expect(res.code).toBe(ExitCode.FAILURE);
  });
});
