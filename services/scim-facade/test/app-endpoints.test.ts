import { executionAsyncId } from "node:async_hooks";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRouterTransport } from "@connectrpc/connect";
import { createLogger } from "@cosafe/logging";
import { GroupService, ScimTokenService, UserService } from "@cosafe/proto/identity";
import { Code, errorWithReason } from "@cosafe/rpc";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { createCoreClients } from "../src/clients.js";

/**
 * Endpoint tests of the whole facade app against in-memory identity-core fakes
 * (createRouterTransport): fast protocol checks, with a controllable clock for the token cache.
 */
const tenantId = "0b6f3c1e-2d4a-4b5c-8e9f-0a1b2c3d4e5f";
const tokenId = "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const secret = "cosafe_scim_endpoint-test-secret";
const userId = "11111111-2222-4333-8444-555555555555";
const secondUserId = "11111111-2222-4333-8444-666666666666";
const groupId = "99999999-8888-4777-8666-555555555555";

let now = 1_000_000;
let revoked = false;
const calls = {
  authenticate: 0,
  replaceMembers: [] as string[][],
  createUser: [] as string[],
  memberCalls: [] as string[],
  userCalls: [] as string[],
};

const transport = createRouterTransport(({ service }) => {
  service(ScimTokenService, {
    authenticateScimToken(req) {
      calls.authenticate++;
      if (req.secret !== secret || revoked)
        throw errorWithReason(Code.Unauthenticated, "TOKEN_REVOKED", "token revoked", { domain: "test" });
      return { tenantId, tokenId };
    },
  });
  service(UserService, {
    listUsers(req) {
      calls.userCalls.push(`listUsers:${req.includeGroups ? "with-groups" : "alone"}`);
      if (!req.filter) return { users: [], totalSize: 0 };
      return {
        users: [
          { id: userId, tenantId, userName: "u@example.com", displayName: "U", active: true, etag: "1" },
        ],
        totalSize: 1,
        groups: req.includeGroups ? [{ userId, groupId, display: "Crisis team" }] : [],
      };
    },
    createUser(req) {
      calls.createUser.push(req.user?.userName ?? "");
      return {
        user: {
          id: userId,
          tenantId,
          userName: req.user?.userName,
          displayName: "U",
          active: true,
          etag: "1",
        },
        notices: [],
      };
    },
  });
  service(GroupService, {
    modifyGroup(req) {
      if (req.replaceMembers) calls.replaceMembers.push(req.replaceMembers.userIds);
      return { group: { id: groupId, tenantId, displayName: req.displayName || "G", etag: "2" } };
    },
    getGroup: (req) => {
      calls.memberCalls.push(`getGroup:${req.includeMembers ? "with-members" : "alone"}`);
      const group = { id: groupId, tenantId, displayName: "G", etag: "3" };
      if (!req.includeMembers) return { group };
      return { group, members: { userIds: [userId], displays: ["U"] }, nextMemberPageToken: "page-2" };
    },
    listGroupMembers: (req) => {
      calls.memberCalls.push(`listGroupMembers:${req.pageToken}:${req.asColumns ? "columns" : "messages"}`);
      const next = req.pageToken === "page-2";
      return {
        memberColumns: { userIds: next ? [secondUserId] : [], displays: next ? ["V"] : [] },
        totalSize: 2,
      };
    },
    listGroups: () => ({
      groups: ["a", "b", "c"].map((n) => ({
        id: `${groupId.slice(0, -1)}${n}`,
        tenantId,
        displayName: n,
        etag: "1",
      })),
      totalSize: 3,
    }),
    listGroupsOfUsers: (req) => {
      calls.userCalls.push(`listGroupsOfUsers:${req.userIds.length}`);
      return { groups: [], nextPageToken: "" };
    },
    listMembersOfGroups(req) {
      calls.memberCalls.push(`listMembersOfGroups:${req.groupIds.length}`);
      return {
        members: req.groupIds.map((id) => ({ groupId: id, member: { userId, display: "U" } })),
        nextPageToken: "",
      };
    },
  });
});

let server: Server;
let base: string;

beforeAll(async () => {
  const app = createApp({
    core: createCoreClients(transport),
    logger: createLogger({ service: "scim-facade", level: "silent" }),
    publicBaseUrl: "https://scim.example",
    serviceName: "scim-facade",
    tokenCacheTtlMs: 5_000,
    now: () => now,
    provisioningLog: { enqueue() {} },
  });
  server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  revoked = false;
  calls.authenticate = 0;
  calls.replaceMembers = [];
  calls.createUser = [];
  now += 60_000; // every test starts with an expired cache
});

const call = (path: string, init: RequestInit = {}) =>
  fetch(`${base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${secret}`, ...(init.headers as Record<string, string>) },
  });

const postUser = (userName: string) =>
  call("/Users", {
    method: "POST",
    headers: { "content-type": "application/scim+json" },
    body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName }),
  });

describe("facade endpoints (fake identity-core)", () => {
  it("R21: a revoked token is refused once the cache TTL (5 s) has passed on the clock, never later", async () => {
    expect((await call("/Users")).status).toBe(200);
    expect((await call("/Users")).status).toBe(200);
    expect(calls.authenticate).toBe(1);
    revoked = true;
    now += 4_999;
    expect((await call("/Users")).status).toBe(200);
    now += 1;
    const refused = await call("/Users");
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await refused.json()).toMatchObject({ status: "401" });
  });

  it("accepts bodies sent as application/json as well as application/scim+json", async () => {
    for (const type of [
      "application/json",
      "application/scim+json; charset=utf-8",
      "application/json;charset=UTF-8",
    ]) {
      const res = await call("/Users", {
        method: "POST",
        headers: { "content-type": type },
        body: JSON.stringify({ userName: `u-${type}` }),
      });
      expect(res.status, type).toBe(201);
    }
    expect(calls.createUser).toEqual([
      "u-application/json",
      "u-application/scim+json; charset=utf-8",
      "u-application/json;charset=UTF-8",
    ]);
  });

  it("a wrong method on a known endpoint is 405 with Allow, as SCIM error JSON", async () => {
    const res = await call("/Users", { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toContain("POST");
    expect(res.headers.get("content-type")).toBe("application/scim+json; charset=utf-8");
    expect(await res.json()).toMatchObject({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: "405",
    });
    const unauthenticated = await fetch(`${base}/Users/${userId}`, { method: "POST" });
    expect(unauthenticated.status).toBe(401);
  });

  it("R4b: a Group PUT with members: [] empties the group; without members it keeps them", async () => {
    const put = (body: unknown) =>
      call(`/Groups/${groupId}`, {
        method: "PUT",
        headers: { "content-type": "application/scim+json" },
        body: JSON.stringify(body),
      });
    expect((await put({ displayName: "G", members: [] })).status).toBe(200);
    expect((await put({ displayName: "G", Members: null })).status).toBe(200);
    expect((await put({ displayName: "G" })).status).toBe(200);
    expect(calls.replaceMembers).toEqual([[], []]);
  });

  it("GET /Groups reads the members of the whole page in one call, never one per group", async () => {
    calls.memberCalls = [];
    const res = await call("/Groups");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { Resources: { members: { value: string }[] }[] };
    expect(body.Resources.map((g) => g.members.map((m) => m.value))).toEqual([[userId], [userId], [userId]]);
    expect(calls.memberCalls).toEqual(["listMembersOfGroups:3"]);
    calls.memberCalls = [];
    expect((await call("/Groups?excludedAttributes=members")).status).toBe(200);
    expect(calls.memberCalls).toEqual([]);
  });

  it("R25 issue 11: GET /Groups/{id} brings its members in the getGroup call, pages on only past its first page, and reads none when excluded", async () => {
    calls.memberCalls = [];
    const res = await call(`/Groups/${groupId}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { members: { value: string; display: string }[] };
    expect(body.members.map((m) => [m.value, m.display])).toEqual([
      [userId, "U"],
      [secondUserId, "V"],
    ]);
    expect(calls.memberCalls).toEqual(["getGroup:with-members", "listGroupMembers:page-2:columns"]);
    // A conditional GET that is not modified reads no further member page.
    calls.memberCalls = [];
    const unchanged = await call(`/Groups/${groupId}`, { headers: { "if-none-match": 'W/"3"' } });
    expect(unchanged.status).toBe(304);
    expect(calls.memberCalls).toEqual(["getGroup:with-members"]);
    calls.memberCalls = [];
    const bare = await call(`/Groups/${groupId}?excludedAttributes=members`);
    expect(bare.status).toBe(200);
    expect(((await bare.json()) as { members?: unknown }).members).toBeUndefined();
    expect(calls.memberCalls).toEqual(["getGroup:alone"]);
  });

  it("issue 11: serving SCIM requests never turns on promise hooks: the request id travels in ctx.state, not in an AsyncLocalStorage", async () => {
    // With promise hooks off a promise continuation runs with async id 0; one AsyncLocalStorage
    // run anywhere turns them on for every promise of the process, for good.
    const continuationAsyncId = () =>
      new Promise<number>((resolve) =>
        setImmediate(() => Promise.resolve().then(() => resolve(executionAsyncId()))),
      );
    expect(await continuationAsyncId()).toBe(0);
    const filtered = await call(`/Users?filter=${encodeURIComponent('userName eq "u@example.com"')}`, {
      headers: { "x-request-id": "req-hooks-1" },
    });
    expect(filtered.headers.get("x-request-id")).toBe("req-hooks-1");
    const created = await postUser("h@example.com");
    expect(created.status).toBe(201);
    expect((await call(`/Groups/${groupId}`)).status).toBe(200);
    expect((await fetch(`${base.replace("/scim/v2", "")}/healthz`)).status).toBe(200);
    expect(await continuationAsyncId()).toBe(0);
  });

  it("R23 issue 11: a filtered GET /Users brings User.groups in the same identity-core call, and a create needs no group call", async () => {
    calls.userCalls = [];
    const res = await call(`/Users?filter=${encodeURIComponent('userName eq "u@example.com"')}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { Resources: { groups: { value: string; display: string }[] }[] };
    expect(body.Resources[0]?.groups).toEqual([
      expect.objectContaining({ value: groupId, display: "Crisis team" }),
    ]);
    expect(calls.userCalls).toEqual(["listUsers:with-groups"]);
    calls.userCalls = [];
    await call(
      `/Users?filter=${encodeURIComponent('userName eq "u@example.com"')}&excludedAttributes=groups`,
    );
    expect(calls.userCalls).toEqual(["listUsers:alone"]);
    calls.userCalls = [];
    const created = await postUser("new@example.com");
    expect(created.status).toBe(201);
    expect(calls.userCalls).toEqual([]);
  });
});
