import { randomUUID } from "node:crypto";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { ManagedBy, MembershipState, ScimTokenService } from "@cosafe/proto/identity";
import { createServiceTransport } from "@cosafe/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { as, supportActor, systemCaller, testCredential } from "./support/core-harness.js";
import { displayNameEq, userNameEq, userNameStartsWith } from "./support/filters.js";
import {
  Code,
  expectError,
  type GroupHarness,
  rejection,
  startGroupHarness,
  statementsOf,
  TenantKit,
  unique,
} from "./support/group-harness.js";

/**
 * Issue 11: the hot read paths send one statement each, counted through the ORM's query hook
 * like R25's test (never timed), and answer exactly what is stored.
 */
let h: GroupHarness;
let t: TenantKit;

beforeAll(async () => {
  h = await startGroupHarness();
  t = await TenantKit.create(h);
});
afterAll(async () => h?.close());

/** Stored timestamps as whole milliseconds (what a Date holds), and the row version. */
async function stored(table: "app_user" | "app_group", id: string) {
  const { rows } = await h.db.query<{ created: string; updated: string; version: number }>(
    `select floor(extract(epoch from created_at) * 1000)::bigint::text as created,
            floor(extract(epoch from updated_at) * 1000)::bigint::text as updated, version
       from identity.${table} where id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row) throw new Error(`no ${table} ${id}`);
  return { created: Number(row.created), updated: Number(row.updated), version: row.version };
}

const millis = (timestamp: Parameters<typeof timestampDate>[0] | undefined) =>
  timestamp ? timestampDate(timestamp).getTime() : undefined;

describe("statements per read (issue 11)", () => {
  it("R23: GetUser is one statement and answers every stored field, its timestamps to the millisecond and its version", async () => {
    const userName = `${unique("Get")}@Example.com`;
    const { user: created } = await h.users.createUser(
      {
        tenantId: t.tenantId,
        user: {
          userName,
          displayName: "Grace Get",
          externalId: "ext-Get-1",
          title: "Engineer",
          active: true,
          name: { formatted: "Grace Get", givenName: "Grace", familyName: "Get" },
          emails: [{ value: "grace@example.com", type: "work", primary: true }],
          locale: "en-GB",
          customAttributes: { team: "core" },
        },
      },
      t.scim,
    );
    const id = created?.id ?? "";
    // A version and update time the create did not write: microseconds must not leak into the answer.
    await h.db.query(
      "update identity.app_user set version = 7, updated_at = '2026-05-01 10:11:12.345678+00' where id = $1",
      [id],
    );
    let user: Awaited<ReturnType<typeof h.users.getUser>>["user"];
    const statements = await statementsOf(h, async () => {
      ({ user } = await h.users.getUser({ tenantId: t.tenantId, userId: id }, t.scim));
    });
    expect(statements).toHaveLength(1);
    const row = await stored("app_user", id);
    expect(row.version).toBe(7);
    expect(user).toMatchObject({
      id,
      tenantId: t.tenantId,
      userName,
      displayName: "Grace Get",
      externalId: "ext-Get-1",
      title: "Engineer",
      active: true,
      name: { formatted: "Grace Get", givenName: "Grace", familyName: "Get" },
      emails: [{ value: "grace@example.com", type: "work", primary: true }],
      locale: "en-GB",
      customAttributes: { team: "core" },
      managedBy: ManagedBy.SCIM,
      etag: "7",
    });
    expect(millis(user?.createTime)).toBe(row.created);
    expect(millis(user?.createTime)).toBe(millis(created?.createTime));
    expect(millis(user?.updateTime)).toBe(Date.parse("2026-05-01T10:11:12.345Z"));

    // Another tenant's user and a missing one are NOT_FOUND alike (R21), each in one statement.
    const other = await TenantKit.create(h);
    const foreign = await statementsOf(h, async () =>
      expectError(
        await rejection(h.users.getUser({ tenantId: other.tenantId, userId: id }, other.scim)),
        Code.NotFound,
        "USER_NOT_FOUND",
      ),
    );
    expect(foreign).toHaveLength(1);
  });

  it("R23: ListUsers with a userName eq filter that matches is one statement, with the exact total and the stored fields", async () => {
    const name = `${unique("eq")}@example.com`;
    const id = await t.scimUser(name.replace("@example.com", ""));
    let page: Awaited<ReturnType<typeof h.users.listUsers>> | undefined;
    const statements = await statementsOf(h, async () => {
      page = await h.users.listUsers(
        { tenantId: t.tenantId, filter: userNameEq(name.toUpperCase()), pageSize: 100 },
        t.scim,
      );
    });
    expect(statements).toHaveLength(1);
    expect(page?.totalSize).toBe(1);
    expect(page?.nextPageToken).toBe("");
    expect(page?.users.map((u) => [u.id, u.userName, u.etag])).toEqual([[id, name, "1"]]);
    const row = await stored("app_user", id);
    expect(millis(page?.users[0]?.createTime)).toBe(row.created);
    expect(millis(page?.users[0]?.updateTime)).toBe(row.updated);

    // No match: one statement, total 0.
    const none = await statementsOf(h, async () => {
      const empty = await h.users.listUsers(
        { tenantId: t.tenantId, filter: userNameEq(`nobody-${name}`), pageSize: 100 },
        t.scim,
      );
      expect([empty.totalSize, empty.users.length]).toEqual([0, 0]);
    });
    expect(none).toHaveLength(1);
  });

  it("R23: offset pages, a total-only page and cursor pages of ListUsers are one statement each; only a page past the end counts apart", async () => {
    const prefix = unique("paged");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await t.scimUser(`${prefix}-${i}`));
    const filter = userNameStartsWith(prefix);
    const list = (req: { pageSize: number; skip?: number; cursor?: string }) =>
      h.users.listUsers({ tenantId: t.tenantId, filter, ...req }, t.scim);

    const pages: string[][] = [];
    let pageToken = "";
    const seen: string[] = [];
    do {
      let next = "";
      const statements = await statementsOf(h, async () => {
        const page = await h.users.listUsers(
          { tenantId: t.tenantId, filter, pageSize: 2, pageToken },
          t.scim,
        );
        expect(page.totalSize).toBe(5);
        seen.push(...page.users.map((u) => u.id));
        next = page.nextPageToken;
      });
      pages.push(statements);
      pageToken = next;
    } while (pageToken);
    expect(seen).toEqual(ids); // created order
    expect(pages.map((p) => p.length)).toEqual([1, 1, 1]);

    const countOnly = await statementsOf(h, async () => {
      const page = await list({ pageSize: 0 });
      expect([page.totalSize, page.users.length]).toEqual([5, 0]);
    });
    expect(countOnly).toHaveLength(1);

    const past = await statementsOf(h, async () => {
      const page = await list({ pageSize: 2, skip: 10 });
      expect([page.totalSize, page.users.length, page.nextPageToken]).toEqual([5, 0, ""]);
    });
    expect(past).toHaveLength(2);

    const walked: string[] = [];
    let cursor = "";
    const cursorPages: number[] = [];
    do {
      let next = "";
      cursorPages.push(
        (
          await statementsOf(h, async () => {
            const page = await list({ pageSize: 3, cursor });
            expect(page.totalSize).toBe(5);
            walked.push(...page.users.map((u) => u.id));
            next = page.nextCursor;
          })
        ).length,
      );
      cursor = next;
    } while (cursor);
    expect(walked).toEqual([...ids].sort());
    expect(cursorPages).toEqual([1, 1]);
  });

  it("R25: GetGroup is one statement that reads no membership; its etag is the row version and the membership version", async () => {
    const members = [await t.scimUser(), await t.scimUser()];
    const group = await t.scimGroup(members);
    let got: Awaited<ReturnType<typeof h.groups.getGroup>>["group"];
    const statements = await statementsOf(h, async () => {
      ({ group: got } = await h.groups.getGroup({ tenantId: t.tenantId, groupId: group.id }, t.scim));
    });
    expect(statements).toHaveLength(1);
    expect(statements.filter((s) => /identity\.group_membership\b|change_event/.test(s))).toEqual([]);
    const row = await stored("app_group", group.id);
    expect(got).toMatchObject({
      id: group.id,
      tenantId: t.tenantId,
      accountId: group.accountId,
      displayName: group.displayName,
      scimLinked: true,
      etag: group.etag,
    });
    expect(millis(got?.createTime)).toBe(row.created);
    expect(millis(got?.updateTime)).toBe(row.updated);

    // A membership change moves the etag without touching the row (R25); the read sees it.
    const { group: modified } = await h.groups.modifyGroup(
      { tenantId: t.tenantId, groupId: group.id, addUserIds: [await t.scimUser()] },
      t.scim,
    );
    const again = await h.groups.getGroup({ tenantId: t.tenantId, groupId: group.id }, t.scim);
    expect(again.group?.etag).toBe(modified?.etag);
    expect(again.group?.etag).not.toBe(group.etag);
    expect(again.group?.etag.split(".")[0]).toBe(String(row.version));

    // A group deleted in the admin panel answers its own NOT_FOUND (R18), in one statement too.
    const doomed = await t.manualGroup();
    await h.groups.deleteGroup({ tenantId: t.tenantId, groupId: doomed.id }, t.admin);
    const deleted = await statementsOf(h, async () =>
      expectError(
        await rejection(h.groups.getGroup({ tenantId: t.tenantId, groupId: doomed.id }, t.scim)),
        Code.NotFound,
        "GROUP_DELETED_IN_ADMIN_PANEL",
      ),
    );
    expect(deleted).toHaveLength(1);
  });

  it("R25: ListGroups by displayName eq is one statement with the exact total and each group's etag", async () => {
    const group = await t.scimGroup([await t.scimUser()]);
    await t.scimGroup();
    let page: Awaited<ReturnType<typeof h.groups.listGroups>> | undefined;
    const statements = await statementsOf(h, async () => {
      page = await h.groups.listGroups(
        { tenantId: t.tenantId, filter: displayNameEq(group.displayName.toUpperCase()), pageSize: 100 },
        t.scim,
      );
    });
    expect(statements).toHaveLength(1);
    expect(page?.totalSize).toBe(1);
    expect(page?.groups.map((g) => [g.id, g.displayName, g.etag])).toEqual([
      [group.id, group.displayName, group.etag],
    ]);
    const cursor = await statementsOf(h, async () => {
      const first = await h.groups.listGroups({ tenantId: t.tenantId, pageSize: 1, cursor: "" }, t.scim);
      expect(first.groups).toHaveLength(1);
      expect(first.nextCursor).not.toBe("");
    });
    expect(cursor).toHaveLength(1);
  });

  it("R25: GetGroup with include_members answers the group and the members SCIM sees in two statements, as GetGroup and ListGroupMembers would", async () => {
    const members = [await t.scimUser(), await t.scimUser(), await t.scimUser()].sort();
    const group = await t.scimGroup(members);
    const dormant = members[1] as string;
    await h.users.updateUser(
      { tenantId: t.tenantId, user: { id: dormant, active: false }, updateMask: { paths: ["active"] } },
      t.scim,
    );
    let got: Awaited<ReturnType<typeof h.groups.getGroup>> | undefined;
    const statements = await statementsOf(h, async () => {
      got = await h.groups.getGroup(
        { tenantId: t.tenantId, groupId: group.id, includeMembers: true },
        t.scim,
      );
    });
    expect(statements).toHaveLength(2);
    const alone = await h.groups.getGroup({ tenantId: t.tenantId, groupId: group.id }, t.scim);
    const listed = await h.groups.listGroupMembers(
      { tenantId: t.tenantId, groupId: group.id, pageSize: 10_000 },
      t.scim,
    );
    const inColumns = await h.groups.listGroupMembers(
      { tenantId: t.tenantId, groupId: group.id, pageSize: 10_000, asColumns: true },
      t.scim,
    );
    expect(got?.group).toEqual(alone.group);
    expect(alone.members).toBeUndefined();
    // The columns carry exactly what the member messages carry; R4: the deactivated user's
    // membership is dormant and SCIM still sees it.
    const asMessages = {
      userIds: listed.members.map((m) => m.userId),
      displays: listed.members.map((m) => m.display),
      sources: listed.members.map((m) => m.source),
      states: listed.members.map((m) => m.state),
    };
    expect(asMessages.userIds).toEqual(members);
    expect(asMessages.states).toEqual([
      MembershipState.ACTIVE,
      MembershipState.DORMANT,
      MembershipState.ACTIVE,
    ]);
    expect(got?.members).toMatchObject(asMessages);
    expect(got?.nextMemberPageToken).toBe("");
    expect(inColumns.memberColumns).toMatchObject(asMessages);
    expect([inColumns.members, inColumns.totalSize]).toEqual([[], 3]);

    const gone = await rejection(
      h.groups.getGroup({ tenantId: t.tenantId, groupId: randomUUID(), includeMembers: true }, t.scim),
    );
    expect(gone.code).toBe(Code.NotFound);
  });

  it("R25: a page of a group's members is one statement; a page of several groups' members, or of several users' groups, is one", async () => {
    const members = [await t.scimUser(), await t.scimUser(), await t.scimUser()].sort();
    const group = await t.scimGroup(members);
    const page = await statementsOf(h, async () => {
      const first = await h.groups.listGroupMembers(
        { tenantId: t.tenantId, groupId: group.id, pageSize: 2 },
        t.scim,
      );
      expect(first.totalSize).toBe(3);
      expect(first.members.map((m) => m.userId)).toEqual(members.slice(0, 2));
      const rest = await h.groups.listGroupMembers(
        { tenantId: t.tenantId, groupId: group.id, pageSize: 2, pageToken: first.nextPageToken },
        t.scim,
      );
      expect([rest.totalSize, rest.nextPageToken]).toEqual([3, ""]);
      expect(rest.members.map((m) => m.userId)).toEqual(members.slice(2));
    });
    expect(page).toHaveLength(2);

    const empty = await t.scimGroup();
    const none = await statementsOf(h, async () => {
      const { totalSize, members: shown } = await h.groups.listGroupMembers(
        { tenantId: t.tenantId, groupId: empty.id, pageSize: 10 },
        t.scim,
      );
      expect([totalSize, shown.length]).toEqual([0, 0]);
    });
    expect(none).toHaveLength(1);

    const several = await statementsOf(h, async () => {
      const { members: shown } = await h.groups.listMembersOfGroups(
        { tenantId: t.tenantId, groupIds: [group.id, empty.id], pageSize: 100 },
        t.scim,
      );
      expect(shown.map((m) => m.member?.userId)).toEqual(members);
    });
    expect(several).toHaveLength(1);

    // SCIM's User.groups: the groups of a page of users, one statement too.
    const ofUsers = await statementsOf(h, async () => {
      const { groups } = await h.groups.listGroupsOfUsers(
        { tenantId: t.tenantId, userIds: members, pageSize: 100 },
        t.scim,
      );
      expect(groups.map((g) => [g.userId, g.groupId, g.display])).toEqual(
        members.map((id) => [id, group.id, group.displayName]),
      );
    });
    expect(ofUsers).toHaveLength(1);
  });

  it("R21: AuthenticateScimToken is one statement, which writes the last use at most once a minute", async () => {
    const tokens = createClient(
      ScimTokenService,
      createServiceTransport({ baseUrl: h.url, credential: testCredential }),
    );
    const { token, secret } = await tokens.issueScimToken(
      { tenantId: t.tenantId, name: "Entra ID" },
      as(supportActor),
    );
    const lastUse = async () =>
      (
        await h.db.query<{ last_used_at: Date | null }>(
          "select last_used_at from identity.scim_token where id = $1",
          [token?.id],
        )
      ).rows[0]?.last_used_at;

    const first = await statementsOf(h, async () => {
      const auth = await tokens.authenticateScimToken({ secret }, as(systemCaller));
      expect([auth.tenantId, auth.tokenId, auth.scimPaused]).toEqual([t.tenantId, token?.id, false]);
    });
    expect(first).toHaveLength(1);
    const used = await lastUse();
    expect(used).toBeInstanceOf(Date);

    const second = await statementsOf(h, () => tokens.authenticateScimToken({ secret }, as(systemCaller)));
    expect(second).toHaveLength(1);
    expect(await lastUse()).toEqual(used);

    await h.db.query(
      "update identity.scim_token set last_used_at = now() - interval '2 minutes' where id = $1",
      [token?.id],
    );
    const stale = await lastUse();
    await tokens.authenticateScimToken({ secret }, as(systemCaller));
    expect((await lastUse())?.getTime()).toBeGreaterThan(stale?.getTime() ?? 0);

    // A support pause travels with the token (issue 7).
    await h.db.query("update identity.tenant set scim_paused_at = now() where id = $1", [t.tenantId]);
    expect((await tokens.authenticateScimToken({ secret }, as(systemCaller))).scimPaused).toBe(true);
    await h.db.query("update identity.tenant set scim_paused_at = null where id = $1", [t.tenantId]);

    // A revoked token is refused and its last use left alone.
    await h.db.query(
      "update identity.scim_token set revoked_at = now(), last_used_at = now() - interval '2 minutes' where id = $1",
      [token?.id],
    );
    const before = await lastUse();
    expectError(
      await rejection(tokens.authenticateScimToken({ secret }, as(systemCaller))),
      Code.Unauthenticated,
      "TOKEN_REVOKED",
    );
    expect(await lastUse()).toEqual(before);
  });
});
