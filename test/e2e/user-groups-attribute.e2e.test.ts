import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupSchema, type ScimHttp, uniqueName, userBody } from "./scim-http.js";
import { type RunningStack, startRunningStack } from "./stack-harness.js";

/**
 * SCIM User.groups (RFC 7643 §4.1.2, read-only) over HTTP on the whole stack: returned on
 * reads, left out by excludedAttributes=groups, filterable by groups.value, never writable.
 */
let s: RunningStack;
let scim: ScimHttp;

beforeAll(async () => {
  s = await startRunningStack();
  scim = s.http;
});

afterAll(() => s?.stop());

const newUser = async () => (await scim.create("Users", userBody(uniqueName("ug")))).id;
const newGroup = async (members: string[]) =>
  scim.create("Groups", {
    schemas: [groupSchema],
    displayName: uniqueName("UG"),
    members: members.map((value) => ({ value })),
  });

describe("User.groups", () => {
  it("RFC 7643 §4.1.2: a user read shows its groups (value, display, $ref); excludedAttributes=groups leaves them out", async () => {
    const [a, b] = [await newUser(), await newUser()];
    const g1 = await newGroup([a, b]);
    const g2 = await newGroup([a]);

    const read = await scim.read("Users", a);
    expect(read.groups).toEqual(
      expect.arrayContaining([
        { value: g1.id, display: g1.displayName, $ref: `${s.scim}/Groups/${g1.id}`, type: "direct" },
        { value: g2.id, display: g2.displayName, $ref: `${s.scim}/Groups/${g2.id}`, type: "direct" },
      ]),
    );
    expect(read.groups).toHaveLength(2);
    expect((await scim.read("Users", a, "?excludedAttributes=groups")).groups).toBeUndefined();
    expect((await scim.read("Users", a, "?attributes=groups")).groups).toHaveLength(2);

    // A list page carries each user's groups.
    const list = await scim.filter("Users", `groups.value eq "${g1.id}"`);
    expect(list.status, list.text).toBe(200);
    expect(list.body.totalResults).toBe(2);
    const ids = (list.body.Resources as { id: string; groups: { value: string }[] }[])
      .map((r) => r.id)
      .sort();
    expect(ids).toEqual([a, b].sort());
    for (const r of list.body.Resources as { groups: { value: string }[] }[])
      expect(r.groups.map((g) => g.value)).toContain(g1.id);
    expect((await scim.filter("Users", `groups eq "${g2.id}"`)).body.totalResults).toBe(1);

    // Leaving a group shows at once; a user in no group has no groups attribute.
    const c = await newUser();
    expect((await scim.read("Users", c)).groups).toBeUndefined();
  });

  it("groups is read-only: a PATCH naming it is refused and changes no membership", async () => {
    const a = await newUser();
    const g = await newGroup([a]);
    const res = await scim.patch(`/Users/${a}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", path: "groups", value: [] }],
    });
    expect(res.status).toBe(400);
    expect((await scim.read("Users", a)).groups).toEqual([expect.objectContaining({ value: g.id })]);
  });
});
