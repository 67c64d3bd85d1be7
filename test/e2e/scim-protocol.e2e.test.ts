import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  groupSchema,
  type Json,
  patchOp,
  type ScimHttp,
  scimContentType,
  uniqueName,
  userBody,
  userSchema,
} from "./scim-http.js";
import { type RunningStack, startRunningStack } from "./stack-harness.js";

/**
 * RFC 7643/7644 protocol behaviour over the whole stack (R23): ETags, list semantics,
 * discovery, unsupported endpoints, errors, body limits, content types and /.search.
 */
let s: RunningStack;
let scim: ScimHttp;

beforeAll(async () => {
  s = await startRunningStack();
  scim = s.http;
});

afterAll(() => s?.stop());

const listResponse = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const errorSchema = "urn:ietf:params:scim:api:messages:2.0:Error";
const ids = (body: { Resources: { id: string }[] }) => body.Resources.map((r) => r.id);

describe("ETags (meta.version)", () => {
  it("GET gives an ETag equal to meta.version; If-None-Match with it is 304, with another 200", async () => {
    const user = await scim.create("Users", userBody(uniqueName("etag")));
    const res = await scim.get(`/Users/${user.id}`);
    const etag = res.headers.get("etag") ?? "";
    expect(etag).toMatch(/^W\/".+"$/);
    expect(res.body.meta.version).toBe(etag);
    const fresh = await scim.get(`/Users/${user.id}`, { headers: { "if-none-match": etag } });
    expect(fresh.status).toBe(304);
    expect(fresh.text).toBe("");
    const stale = await scim.get(`/Users/${user.id}`, { headers: { "if-none-match": 'W/"not-it"' } });
    expect(stale.status).toBe(200);
  });

  it("If-Match with a stale version is 412 on user PUT, PATCH and DELETE and changes nothing; the current one succeeds", async () => {
    const user = await scim.create("Users", userBody(uniqueName("ifmatch"), { title: "v1" }));
    const v1 = String((user.meta as Json).version);
    const patched = await scim.patch(
      `/Users/${user.id}`,
      patchOp({ op: "replace", path: "title", value: "v2" }),
      {
        headers: { "if-match": v1 },
      },
    );
    expect(patched.status).toBe(200);
    const v2 = patched.headers.get("etag") ?? "";
    expect(v2).not.toBe(v1);
    const stale = { headers: { "if-match": v1 } };
    for (const res of [
      await scim.put(`/Users/${user.id}`, userBody(String(user.userName), { title: "v3" }), stale),
      await scim.patch(`/Users/${user.id}`, patchOp({ op: "replace", path: "title", value: "v3" }), stale),
      // Even a PATCH that would change nothing.
      await scim.patch(`/Users/${user.id}`, patchOp({ op: "replace", path: "title", value: "v2" }), stale),
      await scim.delete(`/Users/${user.id}`, stale),
    ]) {
      expect(res.status).toBe(412);
      expect(res.body).toMatchObject({ schemas: [errorSchema], status: "412" });
    }
    expect((await scim.read("Users", user.id)).title).toBe("v2");
    const put = await scim.put(`/Users/${user.id}`, userBody(String(user.userName), { title: "v3" }), {
      headers: { "if-match": v2 },
    });
    expect(put.status).toBe(200);
    expect((await scim.read("Users", user.id)).title).toBe("v3");
    expect((await scim.delete(`/Users/${user.id}`, { headers: { "if-match": "*" } })).status).toBe(204);
  });

  it("If-Match with a stale version is 412 on group PUT, PATCH and DELETE; a member change gives a new version", async () => {
    const member = await scim.create("Users", userBody(uniqueName("etag-member")));
    const group = await scim.create("Groups", { schemas: [groupSchema], displayName: "ETag Group" });
    const v1 = String((group.meta as Json).version);
    await scim.patch(
      `/Groups/${group.id}`,
      patchOp({ op: "add", path: "members", value: [{ value: member.id }] }),
    );
    const v2 = (await scim.get(`/Groups/${group.id}`)).headers.get("etag") ?? "";
    expect(v2).not.toBe(v1);
    // A client caching the group by ETag must not be told its member-less copy is fresh.
    expect((await scim.get(`/Groups/${group.id}`, { headers: { "if-none-match": v1 } })).status).toBe(200);
    expect((await scim.get(`/Groups/${group.id}`, { headers: { "if-none-match": v2 } })).status).toBe(304);
    const stale = { headers: { "if-match": v1 } };
    for (const res of [
      await scim.put(`/Groups/${group.id}`, { schemas: [groupSchema], displayName: "Renamed" }, stale),
      await scim.patch(
        `/Groups/${group.id}`,
        patchOp({ op: "replace", path: "displayName", value: "Renamed" }),
        stale,
      ),
      await scim.delete(`/Groups/${group.id}`, stale),
    ]) {
      expect(res.status).toBe(412);
      expect(res.body).toMatchObject({ status: "412" });
    }
    expect(await scim.read("Groups", group.id)).toMatchObject({
      displayName: "ETag Group",
      members: [{ value: member.id }],
    });
    const ok = await scim.patch(
      `/Groups/${group.id}`,
      patchOp({ op: "replace", path: "displayName", value: "ETag Group 2" }),
      { headers: { "if-match": v2 } },
    );
    expect(ok.status).toBe(204);
  });

  it("a malformed If-Match is a 400, not a 500", async () => {
    const user = await scim.create("Users", userBody(uniqueName("bad-ifmatch")));
    const res = await scim.patch(`/Users/${user.id}`, patchOp({ op: "replace", path: "title", value: "x" }), {
      headers: { "if-match": "no-quotes" },
    });
    expect(res.status).toBe(400);
  });
});

describe("concurrency", () => {
  it("parallel PATCHes of one user without If-Match all succeed (no 412 nobody asked for) and all are stored", async () => {
    const user = await scim.create("Users", userBody(uniqueName("parallel")));
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        scim.patch(
          `/Users/${user.id}`,
          patchOp({ op: "add", path: "phoneNumbers", value: [{ value: `+1 555 01${i}0`, type: `t${i}` }] }),
        ),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect((await scim.read("Users", user.id)).phoneNumbers).toHaveLength(8);
  });

  it("parallel creates of one userName or group name: exactly one 201, the others 409 uniqueness", async () => {
    const userName = uniqueName("race");
    const users = await Promise.all(Array.from({ length: 4 }, () => scim.post("/Users", userBody(userName))));
    expect(users.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    const groups = await Promise.all(
      Array.from({ length: 4 }, () =>
        scim.post("/Groups", { schemas: [groupSchema], displayName: `Race ${userName}` }),
      ),
    );
    expect(groups.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    for (const res of [...users, ...groups].filter((r) => r.status === 409))
      expect(res.body).toMatchObject({ scimType: "uniqueness" });
  });
});

describe("lists", () => {
  const tag = "list-tag";
  let created: { id: string; userName: string }[] = [];

  beforeAll(async () => {
    const names = ["delta", "alpha", "echo", "charlie", "bravo"];
    created = [];
    for (const [i, name] of names.entries()) {
      const body = userBody(`${name}-${uniqueName("list")}`, {
        externalId: tag,
        ...(i % 2 === 0 ? { title: `T${i}` } : {}),
      });
      const user = await scim.create("Users", body);
      created.push({ id: user.id, userName: String(user.userName) });
    }
  });

  it("count=0 returns only totalResults, with Resources: []", async () => {
    const res = await scim.get(`/Users?count=0&filter=${encodeURIComponent(`externalId eq "${tag}"`)}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ schemas: [listResponse], totalResults: 5, Resources: [] });
    expect(Object.keys(res.body).sort()).toEqual(
      [
        "Resources",
        "schemas",
        "totalResults",
        ...Object.keys(res.body).filter((k) => /^(startIndex|itemsPerPage)$/.test(k)),
      ].sort(),
    );
    if ("itemsPerPage" in res.body) expect(res.body.itemsPerPage).toBe(0);
  });

  it("startIndex/count pages the filtered set in a stable order, without overlap, with integer paging fields", async () => {
    const seen: string[] = [];
    for (const startIndex of [1, 3, 5]) {
      const res = await scim.filter("Users", `externalId eq "${tag}"`, {
        startIndex: String(startIndex),
        count: "2",
      });
      expect(res.body).toMatchObject({ totalResults: 5, startIndex, itemsPerPage: startIndex === 5 ? 1 : 2 });
      seen.push(...ids(res.body));
    }
    expect(seen).toEqual(created.map((u) => u.id));
    const beyond = await scim.filter("Users", `externalId eq "${tag}"`, { startIndex: "9", count: "2" });
    expect(beyond.body).toMatchObject({ totalResults: 5, Resources: [] });
    const below = await scim.filter("Users", `externalId eq "${tag}"`, { startIndex: "0", count: "1" });
    expect(below.body).toMatchObject({ startIndex: 1, itemsPerPage: 1 });
    expect(ids(below.body)).toEqual([created[0]?.id]);
  });

  it("sortBy/sortOrder sort by the attribute, missing values last when ascending", async () => {
    const sorted = [...created].sort((a, b) => a.userName.localeCompare(b.userName));
    const asc = await scim.filter("Users", `externalId eq "${tag}"`, { sortBy: "userName" });
    expect(ids(asc.body)).toEqual(sorted.map((u) => u.id));
    const desc = await scim.filter("Users", `externalId eq "${tag}"`, {
      sortBy: "userName",
      sortOrder: "descending",
    });
    expect(ids(desc.body)).toEqual(sorted.map((u) => u.id).reverse());
    const byTitle = await scim.filter("Users", `externalId eq "${tag}"`, { sortBy: "title" });
    const titles = byTitle.body.Resources.map((r: Json) => r.title ?? null);
    expect(titles).toEqual(["T0", "T2", "T4", null, null]);
    const bad = await scim.filter("Users", `externalId eq "${tag}"`, {
      sortBy: "userName",
      sortOrder: "sideways",
    });
    expect(bad.status).toBe(400);
  });

  it("attributes returns id and the named attributes; excludedAttributes drops the named ones; both together is 400", async () => {
    const only = await scim.filter("Users", `externalId eq "${tag}"`, {
      attributes: "userName,name.givenName",
    });
    for (const resource of only.body.Resources) {
      expect(Object.keys(resource).sort()).toEqual(["id", "name", "schemas", "userName"]);
      expect(resource.name).toEqual({ givenName: "Test" });
    }
    const single = await scim.get(`/Users/${created[0]?.id}?attributes=displayName`);
    expect(Object.keys(single.body).sort()).toEqual(["displayName", "id", "schemas"]);
    const without = await scim.get(`/Users/${created[0]?.id}?excludedAttributes=name,meta,id`);
    expect(without.body).not.toHaveProperty("name");
    expect(without.body).not.toHaveProperty("meta");
    expect(without.body.id).toBe(created[0]?.id);
    const both = await scim.get(`/Users/${created[0]?.id}?attributes=userName&excludedAttributes=name`);
    expect(both.status).toBe(400);
  });

  it("filters: unknown attributes are 400 invalidFilter, syntax errors 400 invalidFilter, unknown query parameters ignored", async () => {
    for (const filter of ['nickName eq "x"', 'userName eq "x', "userName zz 1", "(userName eq 1"]) {
      const res = await scim.filter("Users", filter);
      expect(res.status, filter).toBe(400);
      expect(res.body).toMatchObject({ scimType: "invalidFilter" });
    }
    const flag = await scim.filter("Users", `externalId eq "${tag}"`, { aadOptscim062020: "" });
    expect(flag.body.totalResults).toBe(5);
    const grouped = await scim.filter(
      "Users",
      `externalId eq "${tag}" and (userName sw "alpha" or userName sw "echo") and not (title pr)`,
    );
    expect(ids(grouped.body)).toEqual([created[1]?.id]);
  });

  it("string operators treat LIKE wildcards and quotes in values literally", async () => {
    const run = uniqueName("like").replace("@e2e.example", "");
    for (const local of ["a_b", "axb", "50%off"])
      await scim.create("Users", userBody(`${local}.${run}@like.example`));
    const names = async (filter: string) =>
      (await scim.filter("Users", filter, { attributes: "userName" })).body.Resources.map(
        (r: Json) => r.userName,
      );
    expect(await names(`userName sw "a_b.${run}"`)).toEqual([`a_b.${run}@like.example`]);
    expect(await names(`userName co "%off.${run}"`)).toEqual([`50%off.${run}@like.example`]);
    expect(await names(`userName ew "B.${run.toUpperCase()}@LIKE.EXAMPLE"`)).toHaveLength(2);
    const group = await scim.create("Groups", { schemas: [groupSchema], displayName: 'Say "hi" \\ there' });
    const quoted = await scim.filter("Groups", 'displayName eq "say \\"HI\\" \\\\ there"');
    expect(ids(quoted.body)).toEqual([group.id]);
  });

  it("a non-integer startIndex or count is 400, never 500", async () => {
    expect((await scim.get("/Users?count=abc")).status).toBe(400);
    expect((await scim.get("/Users?startIndex=1.5")).status).toBe(400);
  });
});

describe("/.search (RFC 7644 §3.4.3)", () => {
  it("POST /Users/.search, /Groups/.search and /.search answer ListResponses", async () => {
    const user = await scim.create("Users", userBody(uniqueName("search"), { externalId: "search-ext" }));
    const group = await scim.create("Groups", {
      schemas: [groupSchema],
      displayName: "Search Group",
      externalId: "search-ext",
      members: [{ value: user.id }],
    });
    const request = (extra: Json) => ({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
      filter: 'externalId eq "search-ext"',
      startIndex: 1,
      count: 10,
      ...extra,
    });
    const users = await scim.post("/Users/.search", request({ attributes: ["userName"] }));
    expect(users.status).toBe(200);
    expect(users.body).toMatchObject({ schemas: [listResponse], totalResults: 1 });
    expect(Object.keys(users.body.Resources[0]).sort()).toEqual(["id", "schemas", "userName"]);
    const groups = await scim.post("/Groups/.search", request({ excludedAttributes: ["members"] }));
    expect(groups.body).toMatchObject({
      totalResults: 1,
      Resources: [{ id: group.id, displayName: "Search Group" }],
    });
    expect(groups.body.Resources[0]).not.toHaveProperty("members");
    const root = await scim.post("/.search", request({}));
    expect(root.status).toBe(200);
    expect(root.body.totalResults).toBe(2);
    expect(ids(root.body).sort()).toEqual([user.id, group.id].sort());
    const paged = await scim.post("/.search", request({ startIndex: 2, count: 1 }));
    expect(paged.body).toMatchObject({ totalResults: 2, startIndex: 2, itemsPerPage: 1 });
    expect(ids(paged.body)).toEqual([group.id]);
    const bad = await scim.post("/Users/.search", request({ filter: "nope eq" }));
    expect(bad.status).toBe(400);
  });
});

describe("discovery (RFC 7644 §4)", () => {
  it("/ServiceProviderConfig tells the truth: patch, filter, sort, etag and bulk supported; changePassword not", async () => {
    const res = await scim.get("/ServiceProviderConfig");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
      patch: { supported: true },
      bulk: { supported: true, maxOperations: 1000, maxPayloadSize: 1_048_576 },
      filter: { supported: true, maxResults: 1000 },
      sort: { supported: true },
      etag: { supported: true },
      changePassword: { supported: false },
    });
    expect(res.body.authenticationSchemes.map((a: Json) => a.type)).toContain("oauthbearertoken");
  });

  it("/Schemas and /ResourceTypes are ListResponses and readable by id; unknown ids 404", async () => {
    const schemas = await scim.get("/Schemas");
    expect(schemas.body).toMatchObject({ schemas: [listResponse] });
    expect(schemas.body.Resources.map((r: Json) => r.id)).toEqual(
      expect.arrayContaining([userSchema, groupSchema]),
    );
    expect(schemas.body.totalResults).toBe(schemas.body.Resources.length);
    const user = await scim.get(`/Schemas/${userSchema}`);
    expect(user.body).toMatchObject({ id: userSchema, name: "User" });
    const userName = user.body.attributes.find((a: Json) => a.name === "userName");
    expect(userName).toMatchObject({ required: true, uniqueness: "server", caseExact: false });

    const types = await scim.get("/ResourceTypes");
    expect(types.body).toMatchObject({ schemas: [listResponse] });
    expect(types.body.Resources.map((r: Json) => r.name).sort()).toEqual(["Group", "User"]);
    const groupType = await scim.get("/ResourceTypes/Group");
    expect(groupType.body).toMatchObject({ name: "Group", endpoint: "/Groups", schema: groupSchema });

    for (const path of ["/Schemas/urn:nope", "/ResourceTypes/Device"]) {
      const res = await scim.get(path);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ schemas: [errorSchema], status: "404" });
    }
  });
});

describe("unsupported endpoints, unknown routes and methods", () => {
  it("/Me answers a 501 SCIM error (/Bulk is served: bulk.e2e.test.ts)", async () => {
    const me = await scim.get("/Me", { allowNotImplemented: true });
    expect(me.status).toBe(501);
    expect(me.body).toMatchObject({ schemas: [errorSchema], status: "501" });
  });

  it("unknown routes are 404 and wrong methods 405, both as SCIM error JSON", async () => {
    const unknown = await scim.get("/Devices/1");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ schemas: [errorSchema], status: "404" });
    for (const [method, path] of [
      ["DELETE", "/Users"],
      ["PUT", "/Groups"],
      ["POST", "/Users/00000000-0000-4000-8000-000000000000"],
      ["PATCH", "/ServiceProviderConfig"],
      ["DELETE", "/Schemas"],
      ["GET", "/.search"],
    ] as const) {
      const res = await scim.request({
        method,
        path,
        body: method === "DELETE" || method === "GET" ? undefined : {},
      });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.body, `${method} ${path}`).toMatchObject({ schemas: [errorSchema], status: "405" });
      expect(res.headers.get("allow"), `${method} ${path}`).toBeTruthy();
    }
  });
});

describe("request bodies", () => {
  it("malformed JSON is 400 invalidSyntax on every write", async () => {
    const user = await scim.create("Users", userBody(uniqueName("badjson")));
    for (const [method, path] of [
      ["POST", "/Users"],
      ["PUT", `/Users/${user.id}`],
      ["PATCH", `/Users/${user.id}`],
      ["POST", "/Groups"],
      ["POST", "/Users/.search"],
    ] as const) {
      const res = await scim.request({ method, path, body: '{"schemas": [' });
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.body).toMatchObject({ schemas: [errorSchema], status: "400", scimType: "invalidSyntax" });
    }
  });

  it("a JSON body that is not an object is 400, never 500", async () => {
    for (const body of ["[]", '"text"', "42", "null"]) {
      const res = await scim.request({ method: "POST", path: "/Users", body });
      expect(res.status, body).toBe(400);
    }
    const user = await scim.create("Users", userBody(uniqueName("nonobject")));
    for (const body of ["[]", "null", '{"Operations": "x"}']) {
      const res = await scim.request({ method: "PATCH", path: `/Users/${user.id}`, body });
      expect(res.status, body).toBe(400);
    }
  });

  it("a body with a prototype key, a whitespace-only body or a JSON scalar is 400 invalidSyntax, and nothing is stored", async () => {
    const userName = uniqueName("proto");
    const named = JSON.stringify({ schemas: [userSchema], userName });
    for (const body of [
      named.replace("{", '{"__proto__": {"admin": true},'),
      named.replace("{", '{"\\u005f_proto__": {"admin": true},'),
      named.replace("{", '{"constructor": {"prototype": {"admin": true}},'),
      "   ",
      '"text"',
    ]) {
      const res = await scim.request({ method: "POST", path: "/Users", body });
      expect(res.status, body).toBe(400);
      expect(res.body, body).toMatchObject({
        schemas: [errorSchema],
        status: "400",
        scimType: "invalidSyntax",
      });
    }
    expect((await scim.filter("Users", `userName eq "${userName}"`)).body.totalResults).toBe(0);
  });

  it("bodies over 1 MB on /Users are 413; a wrong content type is 415; application/json is accepted", async () => {
    const big = userBody(uniqueName("big"), { title: "x".repeat(1024 * 1024 + 10) });
    const tooLarge = await scim.post("/Users", big);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toMatchObject({ schemas: [errorSchema], status: "413" });

    const userName = uniqueName("ctype");
    const text = await scim.post("/Users", userBody(userName), { headers: { "content-type": "text/plain" } });
    expect(text.status).toBe(415);
    expect(text.body).toMatchObject({ schemas: [errorSchema], status: "415" });
    const form = await scim.post("/Users", `userName=${userName}`, {
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    expect((await scim.filter("Users", `userName eq "${userName}"`)).body.totalResults).toBe(0);

    const json = await scim.post("/Users", userBody(userName), {
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    expect(json.status).toBe(201);
    expect(json.body.userName).toBe(userName);
  });

  it("responses are application/scim+json with absolute Location and meta.location", async () => {
    const res = await scim.post("/Users", userBody(uniqueName("location")));
    expect(res.headers.get("content-type")).toBe(scimContentType);
    expect(res.headers.get("location")).toBe(`${s.scim}/Users/${res.body.id}`);
    expect(res.body.meta.location).toBe(`${s.scim}/Users/${res.body.id}`);
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });
});
