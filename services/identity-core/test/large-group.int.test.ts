import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type GroupHarness,
  startGroupHarness,
  statementsOf,
  TenantKit,
  userRow,
} from "./support/group-harness.js";

/**
 * R25: membership changes cost in the size of the change, never of the group. Proven by
 * counting the SQL statements identity-core sends (through the ORM's query hook), never by
 * timing: adding or removing one member of a 100,000-member group sends exactly the same
 * statements as on a 10-member group.
 */
let h: GroupHarness;
let t: TenantKit;
let big: string;
let small: string;
let bigMembers: string[];
let smallMembers: string[];

const GROUP_SIZE = 100_000;
const BATCH = 1_000;

beforeAll(async () => {
  h = await startGroupHarness();
  t = await TenantKit.create(h);
}, 60_000);

afterAll(async () => {
  await h?.close();
});

/** A statement's shape: its text with literals replaced, so ids and counts do not matter. */
const shape = (sql: string) =>
  sql
    .replace(/'(?:[^']|'')*'/g, "'?'")
    .replace(/\b\d+\b/g, "?")
    .replace(/\s+/g, " ");

async function measure(groupId: string, member: string) {
  const newcomer = await t.scimUser();
  const add = await statementsOf(h, () => t.addMembers(groupId, [newcomer]));
  const remove = await statementsOf(h, () => t.removeMembers(groupId, [member]));
  const get = await statementsOf(h, () => h.groups.getGroup({ tenantId: t.tenantId, groupId }, t.scim));
  const page = await statementsOf(h, () =>
    h.groups.listGroupMembers({ tenantId: t.tenantId, groupId, pageSize: 100 }, t.scim),
  );
  // ModifyGroup (ADR 0014), the one call a SCIM PATCH makes, costs the same way.
  const passing = await t.scimUser();
  const modifyAdd = await statementsOf(h, () =>
    h.groups.modifyGroup({ tenantId: t.tenantId, groupId, addUserIds: [passing] }, t.scim),
  );
  const modifyRemove = await statementsOf(h, () =>
    h.groups.modifyGroup({ tenantId: t.tenantId, groupId, removeUserIds: [passing] }, t.scim),
  );
  return { add, remove, get, page, modifyAdd, modifyRemove, newcomer };
}

describe("R25 large groups", () => {
  it("R25: a 100,000-member group is seeded with one statement and filled through AddGroupMembers in batches of 1,000", async () => {
    const seeded = await t.seedUsers(GROUP_SIZE, "big");
    expect(seeded).toHaveLength(GROUP_SIZE);
    big = (await t.scimGroup([], "Everyone")).id;
    const batches = Array.from({ length: GROUP_SIZE / BATCH }, (_, i) =>
      seeded.slice(i * BATCH, (i + 1) * BATCH),
    );
    // Four IdP connections at a time, as a bulk import would run.
    for (let i = 0; i < batches.length; i += 4) {
      const added = await Promise.all(batches.slice(i, i + 4).map((batch) => t.addMembers(big, batch)));
      for (const outcome of added) expect(outcome.addedUserIds).toHaveLength(BATCH);
    }
    bigMembers = seeded;
    smallMembers = await t.seedUsers(10, "small");
    small = (await t.scimGroup(smallMembers, "Ten")).id;

    const { totalSize } = await h.groups.listGroupMembers(
      { tenantId: t.tenantId, groupId: big, pageSize: 0 },
      t.scim,
    );
    expect(totalSize).toBe(GROUP_SIZE);
  }, 120_000);

  it("R25: adding and removing one member, reading the group and a member page run the same statements on 100,000 members as on 10", async () => {
    const onSmall = await measure(small, smallMembers[0] ?? "");
    const onBig = await measure(big, bigMembers[0] ?? "");

    for (const kind of ["add", "remove", "get", "page", "modifyAdd", "modifyRemove"] as const) {
      expect({ kind, statements: onBig[kind].map(shape) }).toEqual({
        kind,
        statements: onSmall[kind].map(shape),
      });
    }
    // The removed members lost their last SCIM group (R7) on both sides alike.
    expect(await userRow(h.db, bigMembers[0] ?? "")).toMatchObject({ state: "DEPROVISIONED" });
    expect(await userRow(h.db, smallMembers[0] ?? "")).toMatchObject({ state: "DEPROVISIONED" });
    // A read of the group touches neither its memberships nor their history.
    expect(onBig.get.filter((sql) => /identity\.group_membership\b|change_event/.test(sql))).toEqual([]);
    console.info(
      `R25 statements per call (begin/commit included) — add: ${onBig.add.length}, remove: ${onBig.remove.length}, ` +
        `get: ${onBig.get.length}, member page: ${onBig.page.length}, ModifyGroup add: ${onBig.modifyAdd.length}, ` +
        `ModifyGroup remove: ${onBig.modifyRemove.length}`,
    );
  }, 60_000);

  it("R25: members come only through a paged call", async () => {
    const first = await h.groups.listGroupMembers(
      { tenantId: t.tenantId, groupId: big, pageSize: 1_000 },
      t.scim,
    );
    expect(first.members).toHaveLength(1_000);
    expect(first.totalSize).toBe(GROUP_SIZE); // one removed, one added
    expect(first.nextPageToken).not.toBe("");
    const second = await h.groups.listGroupMembers(
      { tenantId: t.tenantId, groupId: big, pageSize: 1_000, pageToken: first.nextPageToken },
      t.scim,
    );
    expect(second.members).toHaveLength(1_000);
    const ids = [...first.members, ...second.members].map((m) => m.userId);
    expect(new Set(ids).size).toBe(2_000);
    expect(ids).toEqual([...ids].sort());
    // A page size above the cap is capped, never the whole group.
    const capped = await h.groups.listGroupMembers(
      { tenantId: t.tenantId, groupId: big, pageSize: 1_000_000 },
      t.scim,
    );
    expect(capped.members).toHaveLength(10_000);
  }, 60_000);

  it("R25: a SCIM read of all 100,000 members (GetGroup's page, then pages after it without totals) shows each once, every page with the same statements", async () => {
    const { members: first, nextMemberPageToken } = await h.groups.getGroup(
      { tenantId: t.tenantId, groupId: big, includeMembers: true },
      t.scim,
    );
    const ids = [...(first?.userIds ?? [])];
    const shapes = new Set<string>();
    let token = nextMemberPageToken;
    while (token) {
      let next = "";
      const statements = await statementsOf(h, async () => {
        const answer = await h.groups.listGroupMembers(
          {
            tenantId: t.tenantId,
            groupId: big,
            pageSize: 10_000,
            pageToken: token,
            asColumns: true,
            skipTotal: true,
          },
          t.scim,
        );
        ids.push(...(answer.memberColumns?.userIds ?? []));
        next = answer.nextPageToken;
      });
      shapes.add(statements.map(shape).join("\n"));
      token = next;
    }
    expect(ids).toHaveLength(GROUP_SIZE);
    expect(new Set(ids).size).toBe(GROUP_SIZE);
    expect(ids).toEqual([...ids].sort());
    expect(shapes.size).toBe(1);
    expect([...shapes][0]).not.toMatch(/count\(|offset/i);
  }, 60_000);
});
