import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, createClient } from "@connectrpc/connect";
import { ActorType, ManagedBy, Role, UserService } from "@cosafe/proto/identity";
import { LicenseService } from "@cosafe/proto/licensing";
import { actorHeaders, createServiceTransport } from "@cosafe/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "../src/exit-codes.js";
import { type CliStack, parseJson, startCliStack, supportPerson } from "./support/cli-harness.js";

let s: CliStack;
let dir: string;
let users: Client<typeof UserService>;
let licenses: Client<typeof LicenseService>;
const support = {
  headers: actorHeaders({ type: ActorType.PERSON, id: supportPerson, role: Role.SUPPORT }),
};

beforeAll(async () => {
  s = await startCliStack();
  dir = await mkdtemp(join(tmpdir(), "cosafe-import-"));
  const credential = s.stack.credential;
  users = createClient(UserService, createServiceTransport({ baseUrl: s.stack.identityCoreUrl, credential }));
  licenses = createClient(
    LicenseService,
    createServiceTransport({ baseUrl: s.stack.licensingUrl, credential }),
  );
}, 120_000);

afterAll(async () => {
  await s?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface ImportDoc {
  version: 1;
  accounts: { id: string; parentId?: string; displayName: string }[];
  users: { id: string; userName: string; displayName?: string; accountIds?: string[] }[];
  groups: { id: string; displayName: string; accountId?: string }[];
  memberships: { groupId: string; userId: string }[];
}

/** An export of an existing Cosafe customer: an account tree, users spread over it, groups and memberships. */
function exportOf(userCount: number, groupCount: number, membershipsPerUser: number): ImportDoc {
  const region = randomUUID();
  const team = randomUUID();
  // The child first: the CLI puts parents first.
  const accounts = [
    { id: team, parentId: region, displayName: "Rescue team" },
    { id: region, displayName: "North region" },
  ];
  const users = Array.from({ length: userCount }, (_, i) => ({
    id: randomUUID(),
    userName: `user${i}@acme.test`,
    displayName: `User ${i}`,
    ...(i % 2 === 0 ? { accountIds: [team] } : {}),
  }));
  const groups = Array.from({ length: groupCount }, (_, i) => ({
    id: randomUUID(),
    displayName: `Group ${i}`,
    ...(i % 2 === 0 ? { accountId: region } : {}),
  }));
  const memberships = users.flatMap((u, i) =>
    Array.from({ length: membershipsPerUser }, (_, n) => ({
      groupId: (groups[(i + n * 37) % groupCount] as { id: string }).id,
      userId: u.id,
    })),
  );
  return { version: 1, accounts, users, groups, memberships };
}

async function fileOf(doc: unknown): Promise<string> {
  const path = join(dir, `${randomUUID()}.json`);
  await writeFile(path, JSON.stringify(doc));
  return path;
}

async function newTenant(name: string, seatLimit: number): Promise<string> {
  const { tenant } = parseJson<{ tenant: { id: string } }>(await s.cli(["tenant", "create", name, "--json"]));
  const limit = await s.cli(["seats", "set-limit", tenant.id, String(seatLimit)]);
  expect(limit.code, limit.stderr).toBe(ExitCode.OK);
  return tenant.id;
}

const userCount = (tenantId: string) =>
  users.listUsers({ tenantId, pageSize: 1 }, support).then((r) => r.totalSize);
const seatCount = (tenantId: string) =>
  licenses.listSeats({ tenantId, pageSize: 1 }, support).then((r) => r.totalSize);

type Summary = Record<string, { created: number; unchanged: number }> & { seatsTaken: number };

describe("issue 7: cosafe import", () => {
  it("imports 10,000 users, 200 groups and 50,000 memberships twice: ids kept, the second run changes nothing, seats equal users", async () => {
    const tenantId = await newTenant("Import Corp", 10_050);
    const doc = exportOf(10_000, 200, 5);
    expect(doc.memberships).toHaveLength(50_000);
    const path = await fileOf(doc);

    const dry = await s.cli(["import", tenantId, path, "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(ExitCode.OK);
    expect(dry.stdout).toMatch(/users\s+10000 new, 0 existing/);
    expect(dry.stdout).toMatch(/seats\s+10000 needed, 10050 free/);
    expect(await userCount(tenantId)).toBe(0);

    const started = Date.now();
    const first = await s.cli(["import", tenantId, path, "--json"], { tty: true });
    expect(first.code, first.stderr).toBe(ExitCode.OK);
    const firstSummary = parseJson<{ summary: Summary }>(first).summary;
    expect(firstSummary).toMatchObject({
      accounts: { created: 2, unchanged: 0 },
      users: { created: 10_000, unchanged: 0 },
      groups: { created: 200, unchanged: 0 },
      memberships: { created: 50_000, unchanged: 0 },
      accountMemberships: { created: 10_000, unchanged: 0 },
      seatsTaken: 10_000,
    });
    expect(first.stderr).toContain("importing: 60202 of 60202");
    const firstMs = Date.now() - started;

    const sample = doc.users[4321] as { id: string; userName: string };
    const { user } = await users.getUser({ tenantId, userId: sample.id }, support);
    expect(user?.id).toBe(sample.id);
    expect(user?.userName).toBe(sample.userName);
    expect(user?.managedBy).toBe(ManagedBy.MANUAL);
    expect(user?.seatId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await userCount(tenantId)).toBe(10_000);
    expect(await seatCount(tenantId)).toBe(10_000);

    const secondStarted = Date.now();
    const second = await s.cli(["import", tenantId, path]);
    console.info(`second import: ${Date.now() - secondStarted} ms`);
    expect(second.code, second.stderr).toBe(ExitCode.OK);
    expect(second.stdout).toMatch(/^users\s+0\s+10000$/m);
    expect(second.stdout).toMatch(/^groups\s+0\s+200$/m);
    expect(second.stdout).toMatch(/^memberships\s+0\s+50000$/m);
    expect(second.stdout).toMatch(/^accounts\s+0\s+2$/m);
    expect(second.stdout).toMatch(/^seats taken\s+0$/m);
    expect(await userCount(tenantId)).toBe(10_000);
    expect(await seatCount(tenantId)).toBe(10_000);
    const audit = parseJson<{ events: { action: string }[] }>(
      await s.cli(["audit", tenantId, "--target-type", "tenant", "--limit", "200", "--json"]),
    );
    // One audit event per batch of the first run; the second run wrote none.
    expect(audit.events.filter((e) => e.action === "import.batch_applied")).toHaveLength(61);
    console.info(`import of 60,202 items: ${firstMs} ms`);
  }, 120_000);

  it("refuses with a clear report when the licence would be exceeded, and writes nothing", async () => {
    const tenantId = await newTenant("Small Corp", 5);
    const path = await fileOf(exportOf(8, 2, 1));
    const result = await s.cli(["import", tenantId, path]);
    expect(result.code).toBe(ExitCode.FAILURE);
    expect(result.stdout).toMatch(/seats\s+8 needed, 5 free \(0 of 5 in use\)/);
    expect(result.stderr).toContain("import refused, nothing was written");
    expect(result.stderr).toContain("the licence would be exceeded: 8 seat(s) needed, 5 free");
    expect(await userCount(tenantId)).toBe(0);
    expect(await seatCount(tenantId)).toBe(0);
  }, 60_000);

  it("reports conflicts with stored data (userName held by another id, an id stored under another userName)", async () => {
    const tenantId = await newTenant("Conflict Corp", 100);
    const doc = exportOf(3, 1, 1);
    const first = await s.cli(["import", tenantId, await fileOf(doc)]);
    expect(first.code, first.stderr).toBe(ExitCode.OK);
    const [a, b] = doc.users as [{ id: string; userName: string }, { id: string; userName: string }];
    const clash: ImportDoc = {
      ...doc,
      users: [
        { id: randomUUID(), userName: a.userName.toUpperCase() },
        { id: b.id, userName: "renamed@acme.test" },
      ],
      memberships: [],
    };
    const result = await s.cli(["import", tenantId, await fileOf(clash)]);
    expect(result.code).toBe(ExitCode.FAILURE);
    expect(result.stdout).toContain("USER_NAME_TAKEN");
    expect(result.stdout).toContain(`is held by user ${a.id}`);
    expect(result.stdout).toContain("USER_NAME_MISMATCH");
    expect(result.stderr).toContain("2 conflict(s) with stored data");
    expect(await userCount(tenantId)).toBe(3);
  }, 60_000);

  it("a malformed file is a usage error and nothing is sent", async () => {
    const result = await s.cli(["import", randomUUID(), await fileOf({ users: [{ id: 1 }] })]);
    expect(result.code).toBe(ExitCode.USAGE);
    expect(result.stderr).toContain("import file: users[0].id must be a string");
  });
});
