import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupSchema, type Json, patchOp, type ScimHttp, uniqueName, userBody } from "./scim-http.js";
import { type RunningStack, startRunningStack, support } from "./stack-harness.js";

/**
 * One SCIM Group PATCH or PUT is one identity-core transaction (ModifyGroup, ADR 0014), over
 * SCIM HTTP on the whole stack: a request that fails half-way changes nothing, and If-Match
 * holds under concurrency.
 */
let s: RunningStack;
let scim: ScimHttp;

beforeAll(async () => {
  s = await startRunningStack();
  scim = s.http;
});

afterAll(() => s?.stop());

const newUser = async (prefix: string) => (await scim.create("Users", userBody(uniqueName(prefix)))).id;

const newGroup = async (members: string[] = []) =>
  (
    await scim.create("Groups", {
      schemas: [groupSchema],
      displayName: uniqueName("Atomic"),
      members: members.map((value) => ({ value })),
    })
  ).id;

/** What SCIM and identity-core show of a group and its users: must not move on a failed write. */
async function stateOf(groupId: string, userIds: string[]) {
  const group = await scim.read("Groups", groupId);
  const users = await Promise.all(userIds.map((id) => scim.read("Users", id)));
  const stored = await Promise.all(
    userIds.map(async (userId) => (await s.users.getUser({ tenantId: s.tenantId, userId }, support)).user),
  );
  const memberships = await s.groups.listGroupMembers(
    { tenantId: s.tenantId, groupId, pageSize: 1000, includeDormant: true },
    support,
  );
  return {
    group,
    users,
    stored: stored.map((u) => ({ state: u?.state, etag: u?.etag })),
    memberships: memberships.members.map((m) => ({ userId: m.userId, source: m.source, state: m.state })),
  };
}

const members = (group: Json) =>
  ((group.members as { value: string }[] | undefined) ?? []).map((m) => m.value).sort();

describe("atomic group writes (ADR 0014)", () => {
  it("R7: PATCH remove A + add an unknown id answers 400 and leaves the group, its members and A (not deprovisioned) as before", async () => {
    const a = await newUser("atomic-a");
    const b = await newUser("atomic-b");
    const group = await newGroup([a, b]);
    const before = await stateOf(group, [a, b]);

    const res = await scim.patch(
      `/Groups/${group}`,
      patchOp(
        { op: "remove", path: `members[value eq "${a}"]` },
        { op: "add", path: "members", value: [{ value: randomUUID() }] },
      ),
    );

    expect(res.status, res.text).toBe(400);
    expect(res.body.scimType).toBe("invalidValue");
    expect(await stateOf(group, [a, b])).toEqual(before);
    expect((await scim.read("Users", a)).active).toBe(true);
    expect(members(before.group)).toEqual([a, b].sort());
  });

  it("R13: PUT that renames into another linked group's name answers 409 and leaves the members as before", async () => {
    const a = await newUser("atomic-put");
    const taken = await scim.read("Groups", await newGroup());
    const group = await newGroup([a]);
    const before = await stateOf(group, [a]);

    const res = await scim.put(`/Groups/${group}`, {
      schemas: [groupSchema],
      displayName: taken.displayName,
      members: [],
    });

    expect(res.status, res.text).toBe(409);
    expect(await stateOf(group, [a])).toEqual(before);
  });

  it("R23: two concurrent PATCHes with the same If-Match give one 2xx and one 412", async () => {
    const group = await newGroup();
    for (let round = 0; round < 3; round++) {
      const [first, second] = [await newUser("race-1"), await newUser("race-2")];
      const etag = (await scim.get(`/Groups/${group}?excludedAttributes=members`)).headers.get("etag") ?? "";
      expect(etag).toMatch(/^W\/"/);
      const add = (id: string) =>
        scim.patch(`/Groups/${group}`, patchOp({ op: "add", path: "members", value: [{ value: id }] }), {
          headers: { "If-Match": etag },
        });
      const statuses = (await Promise.all([add(first), add(second)])).map((r) => r.status).sort();
      expect(statuses).toEqual([204, 412]);
      expect(members(await scim.read("Groups", group))).toHaveLength(round + 1);
    }
  });

  it("PATCH and PUT answer the group with its new version and members in one write", async () => {
    const [a, b] = [await newUser("one-a"), await newUser("one-b")];
    const group = await newGroup([a]);
    const name = uniqueName("Renamed");
    const patched = await scim.patch(
      `/Groups/${group}?attributes=displayName,members`,
      patchOp(
        { op: "replace", path: "displayName", value: name },
        { op: "add", path: "members", value: [{ value: b }] },
      ),
    );
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.displayName).toBe(name);
    expect(members(patched.body)).toEqual([a, b].sort());
    const read = await scim.get(`/Groups/${group}`);
    expect(patched.headers.get("etag")).toBe(read.headers.get("etag"));

    // PUT without displayName keeps the name (R4b, R14, decided in identity-core); members replace.
    const put = await scim.put(`/Groups/${group}`, { schemas: [groupSchema], members: [{ value: b }] });
    expect(put.status, put.text).toBe(200);
    expect(put.body.displayName).toBe(name);
    expect(members(put.body)).toEqual([b]);
    expect(put.headers.get("etag")).toBe((await scim.get(`/Groups/${group}`)).headers.get("etag"));
    // A blank displayName in a PATCH keeps the name too (R14).
    const blank = await scim.patch(
      `/Groups/${group}?attributes=displayName`,
      patchOp({ op: "replace", value: { displayName: "  " } }),
    );
    expect(blank.status, blank.text).toBe(200);
    expect(blank.body.displayName).toBe(name);
  });
});
