import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupSchema, type Json, userSchema } from "./scim-http.js";
import { type RunningStack, startRunningStack } from "./stack-harness.js";

/**
 * Issue 15's regression corpus: seeded bad input against the running stack (facade → gRPC →
 * PostgreSQL) across Users, Groups, filters, PATCH, headers and bodies. Figures: 0 × 5xx, every
 * error body RFC 7644 §3.12 JSON, and nothing stored half-way — after the run the tenant holds
 * exactly the users and groups whose creation was answered 201, as answered, and the two
 * target resources every PUT/PATCH/DELETE aimed at are unchanged.
 *
 * Deterministic: mulberry32 with a fixed seed (FUZZ_SEED overrides it to explore; FUZZ_CASES
 * changes the case count). Concurrency 8 over keep-alive connections.
 */
const seed = Number(process.env.FUZZ_SEED ?? 0x15c0ffee);
const caseCount = Number(process.env.FUZZ_CASES ?? 10_400);
const concurrency = 8;

function mulberry32(state: number) {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = mulberry32(seed);
const int = (max: number) => Math.floor(random() * max);
const chance = (p: number) => random() < p;
function pick<T>(items: readonly T[]): T {
  return items[int(items.length)] as T;
}

const errorSchema = "urn:ietf:params:scim:api:messages:2.0:Error";
const patchSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const scimTypes = new Set([
  "invalidFilter",
  "tooMany",
  "uniqueness",
  "mutability",
  "invalidSyntax",
  "invalidPath",
  "noTarget",
  "invalidValue",
  "invalidVers",
  "sensitive",
]);

const run = `fz${seed.toString(36)}${Date.now().toString(36)}`;
let serial = 0;
const fresh = (prefix = "u") => `${run}-${prefix}${(serial++).toString(36)}`;

// ---------------------------------------------------------------- hostile values

const controls = ["\u0000", "\u0001", "\u0007", "\b", "\u000b", "\u001f", "\u007f", "\n", "\t", "\r"];
const weirdText = [
  "",
  " ",
  "😀👩‍👩‍👧",
  "\ud800",
  "\udfff x",
  "ß".repeat(300),
  "<script>alert(1)</script>",
  "'; drop table identity.app_user; --",
  "%00",
  "\\u0000",
  "null",
  "true",
  "🏳️‍🌈".repeat(80),
  "\u202e\u2066RTL",
  "\ufeffBOM",
];

function longText(): string {
  return pick(["x", "é", "😀", "ab"]).repeat(pick([129, 257, 513, 1025, 3000, 70_000]));
}

/** Longer than every limit (1,024 characters or more). */
function overLimit(): string {
  return pick(["x", "é", "ab"]).repeat(pick([1025, 3000, 70_000]));
}

function hostileString(): string {
  switch (int(4)) {
    case 0:
      return longText();
    case 1:
      return `${fresh("c")}${pick(controls)}${pick(["", "tail"])}`;
    case 2:
      return pick(weirdText);
    default:
      return fresh("s");
  }
}

function deep(depth: number, leaf: unknown = 1): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = chance(0.5) ? [value] : { a: value };
  return value;
}

/** Any JSON value, mostly of the wrong type or shape. */
function hostileValue(): unknown {
  switch (int(11)) {
    case 0:
      return int(3) === 0 ? 1e308 : pick([0, -1, 2 ** 53 + 1, 3.14, -0]);
    case 1:
      return pick([true, false, "True", "FALSE", "yes"]);
    case 2:
      return null;
    case 3:
      return [];
    case 4:
      return {};
    case 5:
      return deep(pick([5, 31, 33, 64, 400]));
    case 6:
      return Array.from({ length: pick([2, 50, 600]) }, () => ({ value: hostileString() }));
    case 7:
      return [hostileString(), 1, null];
    case 8:
      return { value: hostileString(), primary: pick([true, "true", 1, "x"]) };
    default:
      return hostileString();
  }
}

// ---------------------------------------------------------------- requests

interface Case {
  kind: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** A create whose 201 must be found afterwards, exactly as answered. */
  creates?: "User" | "Group";
  /** A write to a target: must not succeed (the targets must stay as they are). */
  mustFail?: boolean;
}

const userAttributes = [
  "userName",
  "displayName",
  "externalId",
  "title",
  "active",
  "name",
  "name.givenName",
  "emails",
  "phoneNumbers",
  "addresses",
  "roles",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
  "meta",
  "id",
  "groups",
  "password",
  "x-unknown",
];

function userPayload(): Json {
  const body: Json = { schemas: chance(0.9) ? [userSchema] : hostileValue() };
  body.userName = chance(0.5) ? fresh("user") : chance(0.5) ? hostileString() : hostileValue();
  const extra = int(4);
  for (let i = 0; i < extra; i++) {
    const attribute = pick(userAttributes);
    if (attribute === "userName") continue;
    body[attribute] =
      attribute === "name"
        ? { givenName: hostileString(), familyName: chance(0.5) ? hostileString() : hostileValue() }
        : attribute === "emails" || attribute === "phoneNumbers"
          ? chance(0.5)
            ? [{ value: hostileString(), type: pick(["work", hostileString()]), primary: chance(0.5) }]
            : hostileValue()
          : chance(0.5)
            ? hostileString()
            : hostileValue();
  }
  return body;
}

function groupPayload(members: string[]): Json {
  const body: Json = { schemas: chance(0.9) ? [groupSchema] : hostileValue() };
  if (chance(0.8))
    body.displayName = chance(0.5) ? fresh("group") : chance(0.5) ? hostileString() : hostileValue();
  if (chance(0.4)) body.externalId = chance(0.5) ? fresh("ext") : hostileString();
  if (chance(0.4))
    body.members = chance(0.5)
      ? [{ value: pick([...members, hostileString(), "00000000-0000-4000-8000-000000000000"]) }]
      : hostileValue();
  return body;
}

/** A body that is not what the endpoint wants, often not JSON at all. */
function brokenBody(): string {
  switch (int(9)) {
    case 0:
      return "{";
    case 1:
      return '{"userName": "x",}';
    case 2:
      return JSON.stringify(deep(pick([33, 1000, 4100])));
    case 3:
      return pick(['"just a string"', "42", "null", "[]", "true"]);
    case 4:
      return `\ufeff${JSON.stringify({ schemas: [userSchema], userName: fresh("bom"), title: overLimit() })}`;
    case 5:
      return `{"userName":"a","userName":"${"b".repeat(300)}","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`;
    case 6:
      return `{"userName": ${"9".repeat(400)}}`;
    case 7:
      return "\u0000\u0001\u0002";
    default:
      return JSON.stringify({ schemas: [userSchema], userName: "x", junk: "y".repeat(1_100_000) });
  }
}

const filterAttributes = [
  "userName",
  "displayName",
  "externalId",
  "title",
  "active",
  "name.givenName",
  "emails.value",
  "emails",
  "phoneNumbers.type",
  "meta.created",
  "meta.lastModified",
  "id",
  "members",
  "members.value",
  "urn:ietf:params:scim:schemas:core:2.0:User:userName",
  "urn:x:y:z",
  "nope",
  "a.b.c",
  "1abc",
];
const operators = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr", "EQ", "xx", ""];

function filterLiteralText(): string {
  switch (int(8)) {
    case 0:
      return pick(["true", "false", "null", "1", "-1.5e3", "1e400", "9".repeat(40)]);
    case 1:
      return JSON.stringify(
        pick([
          "0000-01-01T00:00:00Z",
          "-0001-01-01T00:00:00Z",
          "10000-01-01T00:00:00Z",
          "2021-02-30T00:00:00Z",
          "2024-02-29T23:59:59.999Z",
          "2020-01-01T24:00:00Z",
          "9999-12-31T23:59:59+01:00",
          "0001-01-01T00:00:00-01:00",
        ]),
      );
    case 2:
      return JSON.stringify(`${pick(controls)}x`);
    case 3:
      return `"${pick(["\\u0000", "\\ud800", '\\"', "\\\\", "\\x", "\\"])}"`;
    case 4:
      return JSON.stringify("x".repeat(pick([10, 500, 2100])));
    case 5:
      return pick(["bare", "bare.word", "", '"unterminated', "'single'"]);
    default:
      return JSON.stringify(pick(weirdText));
  }
}

function filterExpression(depth: number): string {
  if (depth > 0 && chance(0.3)) {
    const inner = filterExpression(depth - 1);
    return pick([`(${inner})`, `not (${inner})`, `not ${inner}`, `emails[${inner}]`, `(${inner}`]);
  }
  const attribute = pick(filterAttributes);
  const op = pick(operators);
  return op === "pr" ? `${attribute} pr` : `${attribute} ${op} ${filterLiteralText()}`;
}

function filterText(): string {
  switch (int(6)) {
    case 0: {
      const n = pick([10, 49, 50, 55, 64, 65, 100, 300]);
      const joiner = pick([" or ", " and ", " OR ", " aNd "]);
      return Array.from({ length: n }, (_, i) => `userName eq "${run}-t${i}"`).join(joiner);
    }
    case 1: {
      const n = pick([11, 12, 13, 40, 200]);
      return `${"(".repeat(n)}userName pr${")".repeat(n)}`;
    }
    case 2:
      return `${"not (".repeat(pick([6, 11, 12, 30]))}title pr${")".repeat(pick([6, 11, 12, 30]))}`;
    case 3:
      return Array.from({ length: 1 + int(6) }, () => filterExpression(3)).join(pick([" and ", " or ", " "]));
    case 4:
      return pick(["", " ", "(", ")", "[]", "and", "userName", "userName eq", '"x"', "%", "\u0000"]);
    default:
      return filterExpression(4);
  }
}

function queryValue(): string {
  return pick([
    "-1",
    "0",
    "1",
    "2147483647",
    "2147483648",
    "99999999999999999999",
    "1e400",
    "1.5",
    "abc",
    "",
    "-99999999999",
    "0x10",
  ]);
}

function listQuery(): string {
  const params = new URLSearchParams();
  if (chance(0.85)) params.set(pick(["filter", "Filter", "FILTER"]), filterText());
  if (chance(0.3)) params.set("startIndex", queryValue());
  // Mostly small pages: a Groups page renders each group's members.
  params.set("count", chance(0.3) ? queryValue() : "5");
  if (chance(0.15))
    params.set("sortBy", pick(["userName", "emails", "nope", "meta.created", hostileString()]));
  if (chance(0.15)) params.set("sortOrder", pick(["ascending", "descending", "sideways", ""]));
  if (chance(0.15))
    params.set("attributes", pick(["userName,emails.value", "x[", "members", hostileString()]));
  // Groups pages without members mostly (each group's members cost a call, R25).
  params.set("excludedAttributes", chance(0.1) ? pick(["name.", "urn:x", hostileString()]) : "members");
  if (chance(0.05)) params.append("filter", "userName pr");
  return params.toString().replace(/\+/g, "%20");
}

function patchOperation(target: "User" | "Group", members: string[]): unknown {
  if (chance(0.1)) return hostileValue();
  const op = pick(["add", "replace", "remove", "Add", "Replace", "Remove", "move", "", 5]);
  const userPaths = [
    "title",
    "displayName",
    "userName",
    'emails[type eq "work"].value',
    "name.givenName",
    "active",
    "externalId",
    "phoneNumbers",
    "emails[type eq]",
    'emails[value eq "\\u0000"]',
    "meta.version",
    "id",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
  ];
  const groupPaths = [
    "members",
    'members[value eq "x"]',
    `members[value eq "${pick(members)}"]`,
    "members[value eq",
    "displayName",
    "externalId",
    "id",
  ];
  const operation: Json = { op };
  if (chance(0.8))
    operation.path = chance(0.85) ? pick(target === "User" ? userPaths : groupPaths) : hostileString();
  if (chance(0.85))
    operation.value =
      target === "Group" && chance(0.5)
        ? [{ value: pick([hostileString(), "00000000-0000-4000-8000-000000000000"]) }]
        : chance(0.5)
          ? hostileString()
          : hostileValue();
  return operation;
}

/** An operation that no server may apply: it makes the whole PATCH fail after the others. */
function failingOperation(target: "User" | "Group"): unknown {
  return pick<unknown>([
    { op: "replace", path: "displayName", value: overLimit() },
    { op: "replace", path: "displayName", value: `bad${pick(controls.slice(0, 7))}` },
    { op: "frobnicate", path: "title", value: "x" },
    { op: "replace", path: "title[", value: "x" },
    ...(target === "User"
      ? [
          { op: "replace", path: "title", value: overLimit() },
          { op: "add", path: "emails", value: [{ value: `a${"\u0007"}@x` }] },
          { op: "remove", path: "userName" },
          { op: "replace", path: "active", value: "maybe" },
        ]
      : [{ op: "replace", path: "externalId", value: overLimit() }]),
  ]);
}

interface Targets {
  user: Json & { id: string };
  group: Json & { id: string };
  members: string[];
}

function nextCase(t: Targets): Case {
  const userPath = `/Users/${t.user.id}`;
  const groupPath = `/Groups/${t.group.id}`;
  switch (int(20)) {
    case 0:
    case 1:
    case 2:
      return {
        kind: "users.create",
        method: "POST",
        path: "/Users",
        body: JSON.stringify(userPayload()),
        creates: "User",
      };
    case 3:
    case 4:
      return {
        kind: "groups.create",
        method: "POST",
        path: "/Groups",
        body: JSON.stringify(groupPayload(t.members)),
        creates: "Group",
      };
    case 5:
    case 6:
    case 7:
    case 8:
      return { kind: "filter", method: "GET", path: `/${pick(["Users", "Groups"])}?${listQuery()}` };
    case 9: {
      const body: Json = { filter: filterText() };
      if (chance(0.4)) body.startIndex = pick([-1, 0, 2 ** 31, 1e20, "7", null, {}]);
      if (chance(0.4)) body.count = pick([-1, 0, 2 ** 40, "x", []]);
      if (chance(0.2)) body.attributes = pick([["userName"], "userName", [1, 2], { a: 1 }]);
      return {
        kind: "search",
        method: "POST",
        path: pick(["/Users/.search", "/Groups/.search", "/.search"]),
        body: JSON.stringify(body),
      };
    }
    case 10:
    case 11: {
      const operations = Array.from({ length: int(4) }, () => patchOperation("User", t.members));
      operations.push(failingOperation("User"));
      const body: Json = { schemas: chance(0.9) ? [patchSchema] : hostileValue(), Operations: operations };
      return {
        kind: "users.patch",
        method: "PATCH",
        path: userPath,
        body: JSON.stringify(body),
        mustFail: true,
      };
    }
    case 12: {
      const operations = Array.from({ length: int(4) }, () => patchOperation("Group", t.members));
      operations.push(failingOperation("Group"));
      const body: Json = { schemas: [patchSchema], Operations: operations };
      return {
        kind: "groups.patch",
        method: "PATCH",
        path: groupPath,
        body: JSON.stringify(body),
        mustFail: true,
      };
    }
    case 13: {
      const user = userPayload();
      user.userName = t.user.userName;
      user[pick(["title", "displayName", "externalId"])] = pick([
        overLimit(),
        `x${pick(controls.slice(0, 7))}`,
      ]);
      return { kind: "users.put", method: "PUT", path: userPath, body: JSON.stringify(user), mustFail: true };
    }
    case 14: {
      const group: Json = {
        schemas: [groupSchema],
        displayName: pick([overLimit(), `g${pick(controls.slice(0, 7))}`]),
        ...(chance(0.5) ? { members: [{ value: hostileString() }] } : {}),
      };
      return {
        kind: "groups.put",
        method: "PUT",
        path: groupPath,
        body: JSON.stringify(group),
        mustFail: true,
      };
    }
    case 15: {
      // Preconditions that never match: the target stays.
      const ifMatch = pick(['""', 'W/""', "garbage", 'W/"999999"', '"999999"', "W/", '"a", junk', ""]);
      const [method, path, body] = pick<[string, string, string | undefined]>([
        ["DELETE", userPath, undefined],
        ["DELETE", groupPath, undefined],
        [
          "PATCH",
          userPath,
          JSON.stringify({
            schemas: [patchSchema],
            Operations: [{ op: "replace", path: "title", value: "changed" }],
          }),
        ],
        ["PUT", groupPath, JSON.stringify({ schemas: [groupSchema], displayName: "changed" })],
        [
          "PUT",
          userPath,
          JSON.stringify({ schemas: [userSchema], userName: t.user.userName, title: "changed" }),
        ],
      ]);
      return { kind: "if-match", method, path, body, headers: { "if-match": ifMatch }, mustFail: true };
    }
    case 16: {
      // Bodies: broken JSON, wrong encodings and content types, sizes.
      const [method, path] = pick<[string, string]>([
        ["POST", "/Users"],
        ["POST", "/Groups"],
        ["PATCH", userPath],
        ["PATCH", groupPath],
        ["PUT", userPath],
        ["POST", "/Users/.search"],
      ]);
      const headers: Record<string, string> = {};
      if (chance(0.3))
        headers["content-encoding"] = pick(["gzip", "deflate", "br", "x-zip", "GZIP", "identity, gzip"]);
      if (chance(0.3))
        headers["content-type"] = pick([
          "text/plain",
          "application/xml",
          "multipart/form-data",
          "application/json; charset=latin1",
          "garbage",
        ]);
      // Every broken body fails, on a target or not (a BOM body carries an over-long title).
      return { kind: "body", method, path, body: brokenBody(), headers, mustFail: path !== "/Users/.search" };
    }
    case 17: {
      // Headers: authorization, oversized headers and URLs, odd request ids.
      const headers: Record<string, string> = {};
      const variant = int(6);
      if (variant === 0)
        headers.authorization = pick([
          "",
          "Bearer",
          "Bearer  ",
          "Basic YTpi",
          "Bearer cosafe_scim_nope",
          `Bearer ${"t".repeat(5000)}`,
        ]);
      if (variant === 1) headers["x-request-id"] = pick(["", "x".repeat(500), "a b c", "\u00e9"]);
      if (variant === 2) headers["x-filler"] = "f".repeat(pick([8_000, 17_000]));
      if (variant === 3) headers.accept = pick(["text/html", "application/xml", "*/*;q=0", "\u00ff"]);
      const path =
        variant === 4
          ? `/Users?filter=${"userName%20pr%20or%20".repeat(pick([400, 1000]))}userName%20pr`
          : pick([
              "/Users?count=1",
              "/Groups?count=1",
              "/ServiceProviderConfig",
              "/Schemas",
              "/ResourceTypes",
            ]);
      return {
        kind: "headers",
        method: "GET",
        path,
        headers: { ...headers, ...(variant === 0 ? { "x-no-token": "1" } : {}) },
      };
    }
    case 18: {
      // Paths and methods: ids that are not ids, unknown endpoints, methods a route lacks.
      const id = pick([
        "%00",
        "..%2f..%2fetc",
        "not-a-uuid",
        "00000000-0000-4000-8000-000000000000",
        "%ZZ",
        "😀",
        "a".repeat(3000),
        `${t.user.id}/extra`,
        `${t.user.id.toUpperCase()}x`,
      ]);
      const [method, path] = pick<[string, string]>([
        ["GET", `/Users/${id}`],
        ["GET", `/Groups/${id}`],
        ["DELETE", `/Users/${id}`],
        ["DELETE", `/Groups/${id}`],
        ["PUT", "/Users"],
        ["DELETE", "/Groups"],
        ["PATCH", "/Users"],
        ["OPTIONS", "/Users"],
        ["GET", "/Nope"],
        ["GET", "/Users/.search"],
        ["POST", `/Users/${id}`],
        ["GET", `/Schemas/${id}`],
        ["GET", `/ResourceTypes/${id}`],
      ]);
      return { kind: "paths", method, path };
    }
    default: {
      // A read of the targets with odd projections, which must never change them.
      const params = new URLSearchParams();
      params.set(
        pick(["attributes", "excludedAttributes"]),
        pick(["members", "userName,,", 'emails[type eq "work"]', hostileString(), "meta.version"]),
      );
      return { kind: "read", method: "GET", path: `${pick([userPath, groupPath])}?${params.toString()}` };
    }
  }
}

/** A sent body, short: each string as its first characters and length. */
function summary(body: string | undefined): string {
  if (body === undefined) return "no body";
  try {
    return JSON.stringify(JSON.parse(body), (_key, value) =>
      typeof value === "string" && value.length > 40 ? `${value.slice(0, 8)}…(${value.length})` : value,
    );
  } catch {
    return `${body.slice(0, 80)}…(${body.length})`;
  }
}

// ---------------------------------------------------------------- the run

let s: RunningStack;
let tenant: { tenantId: string; token: string };

beforeAll(async () => {
  s = await startRunningStack();
  tenant = await s.newTenant("Fuzz Co", 5000);
});

afterAll(() => s?.stop());

async function send(c: Case, token: string): Promise<{ status: number; text: string; type: string | null }> {
  const headers = new Headers(c.headers);
  const noToken = headers.has("x-no-token");
  headers.delete("x-no-token");
  if (!noToken && !headers.has("authorization")) headers.set("authorization", `Bearer ${token}`);
  if (c.body !== undefined && !headers.has("content-type"))
    headers.set("content-type", "application/scim+json");
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${s.scim}${c.path}`, { method: c.method, headers, body: c.body });
      return { status: res.status, text: await res.text(), type: res.headers.get("content-type") };
    } catch (error) {
      // A server that closes after a 431/413 may race undici's reuse of the socket: retry once.
      if (attempt >= 1) throw error;
    }
  }
}

describe("seeded bad-input fuzz (issue 15 regression corpus)", () => {
  it(`R23/R24: ${caseCount} seeded cases: 0 × 5xx, RFC 7644 §3.12 errors, nothing stored half-way`, async () => {
    const http = s.http.as(tenant.token);
    const member = await http.create("Users", { schemas: [userSchema], userName: `${run}-member` });
    const user = await http.create("Users", {
      schemas: [userSchema],
      userName: `${run}-target`,
      title: "target",
      emails: [{ value: "target@example.com", type: "work" }],
    });
    const group = await http.create("Groups", {
      schemas: [groupSchema],
      displayName: `${run}-target-group`,
      members: [{ value: member.id }],
    });
    const targets: Targets = { user, group, members: [member.id] };
    const before = {
      users: (await http.get("/Users?count=0")).body.totalResults as number,
      groups: (await http.get("/Groups?count=0")).body.totalResults as number,
      user: await http.read("Users", user.id),
      group: await http.read("Groups", group.id),
    };

    const cases = Array.from({ length: caseCount }, () => nextCase(targets));
    const histogram: Record<string, number> = {};
    const byKind: Record<string, Record<string, number>> = {};
    const failures: string[] = [];
    const slowest = { ms: 0, what: "" };
    const msByKind: Record<string, number> = {};
    const created: { User: Map<string, Json>; Group: Map<string, Json> } = {
      User: new Map(),
      Group: new Map(),
    };
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++] as Case;
        const started = performance.now();
        const res = await send(c, tenant.token);
        const ms = performance.now() - started;
        msByKind[c.kind] = (msByKind[c.kind] ?? 0) + ms;
        if (ms > slowest.ms)
          Object.assign(slowest, {
            ms,
            what: `${c.kind} ${c.method} ${c.path.slice(0, 120)} → ${res.status}`,
          });
        if (process.env.FUZZ_PROGRESS && next % 500 === 0)
          console.log(`fuzz: ${next} sent, ${Math.round(ms)} ms`);
        histogram[res.status] = (histogram[res.status] ?? 0) + 1;
        byKind[c.kind] ??= {};
        (byKind[c.kind] as Record<string, number>)[res.status] =
          ((byKind[c.kind] as Record<string, number>)[res.status] ?? 0) + 1;
        const where = `${c.kind} ${c.method} ${c.path.slice(0, 200)} → ${res.status} ${res.text.slice(0, 300)}`;
        if (res.status >= 500) failures.push(`5xx: ${where}`);
        if (c.mustFail && res.status < 400)
          failures.push(`a write to a target succeeded: ${where} (sent ${summary(c.body)})`);
        if (res.text !== "") {
          if (res.type !== "application/scim+json; charset=utf-8")
            failures.push(`content type ${res.type}: ${where}`);
          let body: Json | undefined;
          try {
            body = JSON.parse(res.text) as Json;
          } catch {
            failures.push(`not JSON: ${where}`);
          }
          if (body && res.status >= 400) {
            const ok =
              Array.isArray(body.schemas) &&
              body.schemas.length === 1 &&
              body.schemas[0] === errorSchema &&
              body.status === String(res.status) &&
              typeof body.detail === "string" &&
              (body.scimType === undefined || scimTypes.has(String(body.scimType)));
            if (!ok) failures.push(`not an RFC 7644 §3.12 error: ${where}`);
          }
          if (body && res.status === 201 && c.creates) created[c.creates].set(String(body.id), body);
        } else if (res.status >= 400 && c.method !== "HEAD") {
          failures.push(`error without a body: ${where}`);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));

    console.log(
      `fuzz seed ${seed}: ${cases.length} cases; statuses ${JSON.stringify(histogram)}; created ${created.User.size} users, ${created.Group.size} groups`,
    );
    console.log(
      `fuzz ms by kind: ${JSON.stringify(msByKind, (_k, v) => (typeof v === "number" ? Math.round(v) : v))}`,
    );
    console.log(
      `fuzz by kind: ${JSON.stringify(byKind)}; slowest ${Math.round(slowest.ms)} ms: ${slowest.what}`,
    );
    for (const failure of failures.slice(0, 20)) console.log(`fuzz failure: ${failure}`);
    expect(failures.slice(0, 20), `${failures.length} failures`).toEqual([]);

    // Nothing stored half-way: the tenant holds what was answered 201, as answered, and the targets are unchanged.
    const after = {
      users: (await http.get("/Users?count=0")).body.totalResults as number,
      groups: (await http.get("/Groups?count=0")).body.totalResults as number,
    };
    expect(after.users).toBe(before.users + created.User.size);
    expect(after.groups).toBe(before.groups + created.Group.size);
    for (const [id, answered] of created.User) {
      const stored = await http.read("Users", id);
      expect(stored, `user ${id}`).toEqual(answered);
    }
    for (const [id, answered] of created.Group) {
      const stored = await http.read("Groups", id);
      expect({ ...stored, members: stored.members ?? [] }, `group ${id}`).toEqual({
        ...answered,
        members: answered.members ?? [],
      });
    }
    expect(await http.read("Users", user.id)).toEqual(before.user);
    expect(await http.read("Groups", group.id)).toEqual(before.group);
  }, 900_000);
});
