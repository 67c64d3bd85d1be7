import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Code,
  expectError,
  type GroupHarness,
  rejection,
  startGroupHarness,
  statementsOf,
  TenantKit,
} from "./support/group-harness.js";

/**
 * Pages of one group's members (GetGroup with members, ListGroupMembers): in user id order,
 * continued after the last user id a page showed, with the total only when asked (R25).
 */
let h: GroupHarness;
let t: TenantKit;
let group: string;
let members: string[];

beforeAll(async () => {
  h = await startGroupHarness();
  t = await TenantKit.create(h);
  members = (await t.seedUsers(30, "paged")).sort();
  group = (await t.scimGroup(members, "Paged")).id;
}, 60_000);

afterAll(async () => {
  await h?.close();
});

const page = (pageToken: string, extra: { skipTotal?: boolean; pageSize?: number } = {}) =>
  h.groups.listGroupMembers(
    { tenantId: t.tenantId, groupId: group, pageSize: 10, pageToken, ...extra },
    t.scim,
  );

describe("member pages", () => {
  it("R25: pages with skip_total show every member once, in order, and count nothing", async () => {
    const seen: string[] = [];
    let token = "";
    const statements: string[] = [];
    do {
      let answer: Awaited<ReturnType<typeof page>> | undefined;
      statements.push(
        ...(await statementsOf(h, async () => {
          answer = await page(token, { skipTotal: true });
        })),
      );
      if (!answer) throw new Error("no page");
      expect(answer.totalSize).toBe(0);
      seen.push(...answer.members.map((m) => m.userId));
      token = answer.nextPageToken;
    } while (token);
    expect(seen).toEqual(members);
    expect(statements.filter((sql) => /count\(/i.test(sql))).toEqual([]);
    // Counted, the first page says how many there are, and a page of 0 only counts.
    expect((await page("")).totalSize).toBe(30);
    expect(await page("", { pageSize: 0 })).toMatchObject({ totalSize: 30, members: [], nextPageToken: "" });
  });

  it("R25: the last page's token is empty, also when the group ends exactly at a page's end", async () => {
    const first = await page("", { pageSize: 15 });
    const second = await page(first.nextPageToken, { pageSize: 15 });
    expect(second.members.map((m) => m.userId)).toEqual(members.slice(15));
    expect(second.nextPageToken).toBe("");
  });

  it("a page continues after the last member shown, even when earlier members left in between", async () => {
    const first = await page("", { skipTotal: true });
    expect(first.members.map((m) => m.userId)).toEqual(members.slice(0, 10));
    // Three members of the first page leave before the second page is read: an offset would now
    // skip the three members that moved up; the second page starts where the first ended.
    await t.removeMembers(group, members.slice(0, 3));
    const second = await page(first.nextPageToken, { skipTotal: true });
    expect(second.members.map((m) => m.userId)).toEqual(members.slice(10, 20));
    await t.addMembers(group, members.slice(0, 3));
  });

  it("a token carries the offset with the last user id, so a replica that reads only offsets continues the walk", async () => {
    const first = await page("");
    const second = await page(first.nextPageToken);
    expect(JSON.parse(Buffer.from(second.nextPageToken, "base64url").toString("utf8"))).toEqual({
      o: 20,
      u: members[19],
    });
    // What the release before keysets does with it: read { o } and skip that many.
    const offsetOnly = Buffer.from(JSON.stringify({ o: 20 })).toString("base64url");
    expect((await page(offsetOnly)).members).toEqual((await page(second.nextPageToken)).members);
  });

  it("GetGroup's first page hands over to ListGroupMembers, and offset tokens (ModifyGroup's) still work", async () => {
    const { members: firstPage, nextMemberPageToken } = await h.groups.getGroup(
      { tenantId: t.tenantId, groupId: group, includeMembers: true },
      t.scim,
    );
    expect(firstPage?.userIds).toEqual(members);
    expect(nextMemberPageToken).toBe("");
    const offsetToken = Buffer.from(JSON.stringify({ o: 25 })).toString("base64url");
    expect((await page(offsetToken)).members.map((m) => m.userId)).toEqual(members.slice(25));
  });

  it("refuses a token it did not issue and a negative page size", async () => {
    for (const token of ["not-a-token", Buffer.from(JSON.stringify({ u: "x'; drop" })).toString("base64url")])
      expectError(await rejection(page(token)), Code.InvalidArgument, "PAGE_TOKEN_INVALID");
    expectError(await rejection(page("", { pageSize: -1 })), Code.InvalidArgument, "PAGE_INVALID");
  });
});
