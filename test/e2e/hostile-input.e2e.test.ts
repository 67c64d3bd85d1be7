import { createClient } from "@connectrpc/connect";
import { ProvisioningLogService } from "@cosafe/proto/identity";
import { createServiceTransport } from "@cosafe/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupSchema, patchOp, type ScimHttp, type ScimResponse, uniqueName, userBody } from "./scim-http.js";
import { type RunningStack, startRunningStack, support } from "./stack-harness.js";

/**
 * Issue 15 (hostile input) over the whole stack: every limit of docs/adr/0018 answers a SCIM
 * error with the right status and scimType, never a 5xx, and stores nothing.
 */
let s: RunningStack;
let scim: ScimHttp;

beforeAll(async () => {
  s = await startRunningStack();
  scim = s.http;
});

afterAll(() => s?.stop());

const errorSchema = "urn:ietf:params:scim:api:messages:2.0:Error";
const long = (n: number) => "x".repeat(n);

function expectError(res: ScimResponse, status: number, scimType?: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.body).toMatchObject({ schemas: [errorSchema], status: String(status) });
  if (scimType) expect(res.body.scimType).toBe(scimType);
}

async function userCount(): Promise<number> {
  return (await scim.get("/Users?count=0")).body.totalResults;
}

describe("stored text limits (256 for userName, externalId, displayName; 1,024 otherwise)", () => {
  it("R1/R2: an over-long userName, displayName, externalId, title, name part, email or phone is 400 invalidValue and stores nothing", async () => {
    const before = await userCount();
    for (const extra of [
      { userName: long(257) },
      { displayName: long(257) },
      { externalId: long(257) },
      { title: long(1025) },
      { name: { givenName: long(1025) } },
      { emails: [{ value: `${long(1025)}@example.com` }] },
      { phoneNumbers: [{ value: long(1025) }] },
    ]) {
      expectError(await scim.post("/Users", userBody(uniqueName("long"), extra)), 400, "invalidValue");
    }
    expect(await userCount()).toBe(before);
    const atLimit = await scim.create("Users", userBody(`${Date.now()}${long(256)}`.slice(0, 256)));
    expect(String(atLimit.userName)).toHaveLength(256);
  });

  it("R2: a PUT or PATCH over a limit is 400 and changes nothing", async () => {
    const user = await scim.create("Users", userBody(uniqueName("long-upd"), { title: "before" }));
    expectError(
      await scim.patch(`/Users/${user.id}`, patchOp({ op: "replace", path: "title", value: long(1025) })),
      400,
      "invalidValue",
    );
    expectError(
      await scim.put(`/Users/${user.id}`, userBody(String(user.userName), { externalId: long(300) })),
      400,
      "invalidValue",
    );
    const after = await scim.read("Users", user.id);
    expect(after.title).toBe("before");
    expect(after.meta).toEqual(user.meta);
  });

  it("R13/R14: a group displayName or externalId over 256 characters is 400 invalidValue", async () => {
    expectError(
      await scim.post("/Groups", { schemas: [groupSchema], displayName: long(257) }),
      400,
      "invalidValue",
    );
    expectError(
      await scim.post("/Groups", { schemas: [groupSchema], displayName: "g", externalId: long(257) }),
      400,
      "invalidValue",
    );
    const group = await scim.create("Groups", { schemas: [groupSchema], displayName: uniqueName("g") });
    expectError(
      await scim.patch(
        `/Groups/${group.id}`,
        patchOp({ op: "replace", path: "displayName", value: long(257) }),
      ),
      400,
      "invalidValue",
    );
    expect((await scim.read("Groups", group.id)).displayName).toBe(group.displayName);
  });
});

describe("control characters", () => {
  it("R2: NUL or another control character in a body string or key is 400 invalidValue; nothing stored", async () => {
    const before = await userCount();
    for (const body of [
      userBody("nul\u0000user@example.com"),
      userBody(uniqueName("ctl"), { title: "bell\u0007" }),
      userBody(uniqueName("ctl"), { displayName: "line\nbreak" }),
      userBody(uniqueName("ctl"), { "weird\u0000key": "x" }),
    ]) {
      expectError(await scim.post("/Users", body), 400, "invalidValue");
    }
    expect(await userCount()).toBe(before);
    expectError(
      await scim.post("/Groups", { schemas: [groupSchema], displayName: "g\u0000" }),
      400,
      "invalidValue",
    );
  });

  it("R23: NUL in a filter literal, raw or escaped, is 400 invalidFilter", async () => {
    expectError(await scim.filter("Users", 'userName eq "a\u0000"'), 400, "invalidFilter");
    expectError(await scim.filter("Users", 'userName eq "a\\u0000"'), 400, "invalidFilter");
    expectError(await scim.filter("Groups", 'displayName eq "\\u0001"'), 400, "invalidFilter");
  });
});

describe("paging (RFC 7644 §3.4.2.4)", () => {
  it("R23: startIndex beyond int32 is clamped (empty page), count below 0 is 0, above the maximum the maximum", async () => {
    for (const resource of ["Users", "Groups"]) {
      const far = await scim.get(`/${resource}?startIndex=99999999999999`);
      expect(far.status).toBe(200);
      expect(far.body).toMatchObject({ startIndex: 2147483647, itemsPerPage: 0, Resources: [] });
      const negative = await scim.get(`/${resource}?startIndex=-5&count=-3`);
      expect(negative.body).toMatchObject({ startIndex: 1, itemsPerPage: 0 });
      const huge = await scim.get(`/${resource}?count=99999999999`);
      expect(huge.status).toBe(200);
    }
    expectError(await scim.get("/Users?startIndex=abc"), 400, "invalidValue");
  });
});

describe("filter limits (2,048 characters, 64 terms, 12 levels)", () => {
  const terms = (n: number, op: string) =>
    Array.from({ length: n }, (_, i) => `userName eq "u${i}"`).join(` ${op} `);

  it("R23: 50 or-terms and 55 and-terms are answered; more than 64 terms is 400 invalidFilter", async () => {
    expect((await scim.filter("Users", terms(50, "or"))).status).toBe(200);
    expect((await scim.filter("Users", terms(55, "and"))).status).toBe(200);
    expect((await scim.filter("Groups", terms(60, "or").replaceAll("userName", "displayName"))).status).toBe(
      200,
    );
    expectError(await scim.filter("Users", terms(65, "or")), 400, "invalidFilter");
    expectError(await scim.filter("Users", `userName eq "${long(2100)}"`), 400, "invalidFilter");
    expectError(
      await scim.filter("Users", `${"(".repeat(20)}userName pr${")".repeat(20)}`),
      400,
      "invalidFilter",
    );
    const nested = `${"not (".repeat(11)}userName pr${")".repeat(11)}`;
    expect((await scim.filter("Users", nested)).status).toBe(200);
  });

  it("R23: a date-time outside 0001–9999 or not on the calendar is 400 invalidFilter", async () => {
    for (const value of [
      "0000-01-01T00:00:00Z",
      "-0001-01-01T00:00:00Z",
      "10000-01-01T00:00:00Z",
      "2021-02-29T00:00:00Z",
      "2021-13-01T00:00:00Z",
      "yesterday",
    ]) {
      expectError(await scim.filter("Users", `meta.created gt "${value}"`), 400, "invalidFilter");
      expectError(await scim.filter("Groups", `meta.lastModified lt "${value}"`), 400, "invalidFilter");
    }
    expect((await scim.filter("Users", 'meta.created gt "0001-01-01T00:00:00Z"')).status).toBe(200);
  });
});

describe("bodies, encodings and URLs", () => {
  it("R23: JSON nested 4,100 deep is 400 invalidSyntax on every write, nothing stored", async () => {
    const before = await userCount();
    const deep = `${"[".repeat(4100)}${"]".repeat(4100)}`;
    const user = await scim.create("Users", userBody(uniqueName("deep")));
    for (const [method, path, body] of [
      [
        "POST",
        "/Users",
        `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"d","x":${deep}}`,
      ],
      [
        "PATCH",
        `/Users/${user.id}`,
        `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":${deep}}`,
      ],
      ["POST", "/Groups", `{"displayName":"d","members":${deep}}`],
      ["POST", "/Users/.search", `{"filter":${deep}}`],
    ] as const) {
      expectError(await scim.request({ method, path, body }), 400, "invalidSyntax");
    }
    expect(await userCount()).toBe(before + 1);
    expect((await scim.read("Users", user.id)).meta).toEqual(user.meta);
  });

  it("R23: a Content-Encoding other than identity is 415 with a SCIM body", async () => {
    for (const encoding of ["gzip", "deflate", "br", "x-custom"]) {
      const res = await scim.post("/Users", userBody(uniqueName("enc")), {
        headers: { "content-encoding": encoding },
      });
      expectError(res, 415);
    }
    expect(
      (
        await scim.post("/Users", userBody(uniqueName("enc")), {
          headers: { "content-encoding": "identity" },
        })
      ).status,
    ).toBe(201);
  });

  it("R23: a URL over 8 KB is 414, one over Node's 16 KB header limit 431, both with a SCIM body", async () => {
    expectError(await scim.get(`/Users?filter=${long(10_000)}`), 414);
    expectError(await scim.get(`/Users?filter=${long(20_000)}`), 431);
    // The connection is closed after a 431; the next request works.
    expect((await scim.get("/Users?count=0")).status).toBe(200);
  });
});

describe("preconditions: an empty or malformed If-Match never matches", () => {
  it('R23: If-Match "" or W/"" is 412 on user PATCH, PUT and DELETE and changes nothing; garbage is 400', async () => {
    const user = await scim.create("Users", userBody(uniqueName("ifm"), { title: "t1" }));
    for (const ifMatch of ['""', 'W/""', ' W/"" , "" ']) {
      const headers = { "if-match": ifMatch };
      expectError(
        await scim.patch(`/Users/${user.id}`, patchOp({ op: "replace", path: "title", value: "t2" }), {
          headers,
        }),
        412,
      );
      expectError(
        await scim.put(`/Users/${user.id}`, userBody(String(user.userName), { title: "t2" }), { headers }),
        412,
      );
      expectError(await scim.delete(`/Users/${user.id}`, { headers }), 412);
    }
    for (const ifMatch of ["garbage", 'W/"3', "W/3", '"a", junk']) {
      expectError(await scim.delete(`/Users/${user.id}`, { headers: { "if-match": ifMatch } }), 400);
    }
    const after = await scim.read("Users", user.id);
    expect(after.title).toBe("t1");
    expect(after.meta).toEqual(user.meta);
  });

  it('R23: If-Match "" or W/"" is 412 on group PATCH, PUT and DELETE', async () => {
    const group = await scim.create("Groups", { schemas: [groupSchema], displayName: uniqueName("ifm-g") });
    for (const ifMatch of ['""', 'W/""']) {
      const headers = { "if-match": ifMatch };
      expectError(
        await scim.patch(`/Groups/${group.id}`, patchOp({ op: "replace", path: "displayName", value: "x" }), {
          headers,
        }),
        412,
      );
      expectError(
        await scim.put(`/Groups/${group.id}`, { schemas: [groupSchema], displayName: "x" }, { headers }),
        412,
      );
      expectError(await scim.delete(`/Groups/${group.id}`, { headers }), 412);
    }
    expect((await scim.read("Groups", group.id)).displayName).toBe(group.displayName);
  });
});

describe("401: one detail for every refused token", () => {
  it("R21/R20: unknown, revoked, expired, malformed and missing tokens get an identical 401; the reason goes to the support stream", async () => {
    const revoked = await s.newTenant("Revoked Co");
    await s.tokens.revokeScimToken({ tenantId: revoked.tenantId, tokenId: revoked.tokenId }, support);
    const { secret: expiring } = await s.tokens.issueScimToken(
      {
        tenantId: s.tenantId,
        name: "expiring",
        expireTime: { seconds: BigInt(Math.ceil((Date.now() + 1000) / 1000)), nanos: 0 },
      },
      support,
    );
    // The expiry is at most 2 s away (whole seconds); wait past it with a margin.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const probes: [string, Record<string, string>][] = [
      ["unknown", { authorization: "Bearer cosafe_scim_unknown-token-0000" }],
      ["revoked", { authorization: `Bearer ${revoked.token}` }],
      ["expired", { authorization: `Bearer ${expiring}` }],
      ["malformed", { authorization: "Basic dXNlcjpwYXNz" }],
      ["missing", {}],
    ];
    const details = new Set<string>();
    for (const [, headers] of probes) {
      const res = await scim.get("/Users?count=0", { headers, token: null });
      expectError(res, 401);
      details.add(res.body.detail);
    }
    expect(details.size).toBe(1);
    const log = createClient(
      ProvisioningLogService,
      createServiceTransport({ baseUrl: s.stack.identityCoreUrl, credential: s.stack.credential }),
    );
    const wanted = [
      "TOKEN_INVALID",
      "TOKEN_REVOKED",
      "TOKEN_EXPIRED",
      "malformed Authorization header",
      "no Authorization header",
    ];
    const deadline = Date.now() + 15_000;
    let seen = "";
    while (Date.now() < deadline) {
      const { entries } = await log.listProvisioningEntries({ tenantId: "", pageSize: 100 }, support);
      seen = entries.map((entry) => entry.detail).join("\n");
      if (wanted.every((reason) => seen.includes(reason))) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    for (const reason of wanted) expect(seen).toContain(reason);
  });
});
