import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { toJsonString } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { createLogger } from "@cosafe/logging";
import { type ProvisioningEntry, ProvisioningEntrySchema, ProvisioningOutcome } from "@cosafe/proto/identity";
import { Code, errorWithReason } from "@cosafe/rpc";
import { ScimError } from "@cosafe/scim";
import { bodyParser } from "@koa/bodyparser";
import Router from "@koa/router";
import Koa from "koa";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { requestLogging } from "../src/middleware/request-logging.js";
import { scimErrors } from "../src/middleware/scim-errors.js";
import { ProvisioningLogBatcher, provisioningLog } from "../src/provisioning-log/index.js";
import type { ScimState } from "../src/scim-state.js";

const tenantId = "3f0c9d52-6a7e-4f8b-9a51-0b7f1e6c2d40";
const tokenId = "9b2e4c71-1d3a-4e55-8f60-7a8b9c0d1e2f";
const secret = "cosafe_scim_5uP3r-s3cr3t-t0k3n-v4lu3";
const fixedNow = Date.parse("2030-05-06T07:08:09.123Z");
const silent = createLogger({ service: "scim-facade", level: "silent" });

/** The facade's middleware order: request id, provisioning log, SCIM errors, then SCIM routes. */
function app(batcher: { enqueue(entry: ProvisioningEntry): void }): Koa<ScimState> {
  const koa = new Koa<ScimState>();
  const scim = new Router<ScimState>({ prefix: "/scim/v2" });
  scim.use(async (ctx, next) => {
    if (ctx.get("authorization") !== `Bearer ${secret}`) throw new ScimError(401, undefined, "invalid token");
    ctx.state.tenantId = tenantId;
    ctx.state.tokenId = tokenId;
    await next();
  });
  scim.use(bodyParser({ enableTypes: ["json"], extendTypes: { json: ["application/scim+json"] } }));
  scim.post("/Users", (ctx) => {
    const body = ctx.request.body as { userName: string; externalId: string };
    Object.assign(ctx.state.note, {
      resourceId: "5c8a1e0b-2f3d-4a6e-9b7c-1d2e3f4a5b6c",
      userName: body.userName,
      externalId: body.externalId,
      ignoredAttributes: ["addresses", "password"],
      detail: "displayName derived from userName",
    });
    ctx.status = 201;
    ctx.body = { id: "5c8a1e0b-2f3d-4a6e-9b7c-1d2e3f4a5b6c" };
  });
  scim.get("/Users", (ctx) => {
    ctx.body = { totalResults: 0, Resources: [] };
  });
  scim.get("/Users/:id", (ctx) => {
    throw new ScimError(404, undefined, `user ${ctx.params.id} not found`);
  });
  scim.patch("/Users/:id", () => {
    throw errorWithReason(
      Code.FailedPrecondition,
      "LICENSE_LIMIT_REACHED",
      "licence limit reached: 10 of 10 seats in use",
      { domain: "licensing" },
    );
  });
  scim.patch("/Groups/:id", (ctx) => {
    ctx.state.note.detail = "unknown group";
    throw new ScimError(404, undefined, "group was deleted in the admin panel");
  });
  scim.get("/Groups", () => {
    throw new Error("database password=hunter2 refused");
  });
  koa.use(requestLogging(silent));
  koa.use(provisioningLog({ batcher, now: () => fixedNow, logger: silent }));
  koa.use(scimErrors(silent));
  koa.use(async (ctx, next) => {
    if (ctx.path === "/healthz") ctx.body = "ok";
    else await next();
  });
  koa.use(scim.routes());
  koa.use(() => {
    throw new ScimError(404, undefined, "no such endpoint");
  });
  return koa;
}

async function listen(koa: Koa<ScimState>): Promise<{ server: Server; url: string }> {
  const server = createServer(koa.callback());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const entries: ProvisioningEntry[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  ({ server, url } = await listen(app({ enqueue: (entry) => entries.push(entry) })));
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  entries.length = 0;
});

const auth = { authorization: `Bearer ${secret}` };

async function call(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: unknown } = {},
) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { "content-type": "application/scim+json", ...init.headers },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  await response.arrayBuffer();
  return response.status;
}

function only(): ProvisioningEntry {
  expect(entries).toHaveLength(1);
  return entries[0] as ProvisioningEntry;
}

describe("provisioningLog middleware (R20)", () => {
  it("R20: a successful create leaves an entry with token id, method, path, resource, names, ignored attributes and timing", async () => {
    const body = {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName: "bjensen@contoso.com",
      externalId: "bjensen",
      password: "Body-Only-P4ssw0rd!",
      addresses: [{ streetAddress: "Body Only Street 1" }],
    };
    expect(
      await call("POST", "/scim/v2/Users", { headers: { ...auth, "x-request-id": "req-42" }, body }),
    ).toBe(201);
    const entry = only();
    expect(entry).toMatchObject({
      tenantId,
      tokenId,
      requestId: "req-42",
      method: "POST",
      path: "/Users",
      resourceType: "User",
      resourceId: "5c8a1e0b-2f3d-4a6e-9b7c-1d2e3f4a5b6c",
      userName: "bjensen@contoso.com",
      externalId: "bjensen",
      outcome: ProvisioningOutcome.SUCCESS,
      status: 201,
      scimType: "",
      detail: "displayName derived from userName",
      ignoredAttributes: ["addresses", "password"],
    });
    expect(entry.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(entry.time && timestampMs(entry.time)).toBe(fixedNow);
    expect(entry.duration).toBeDefined();
  });

  it("R20: never includes the request body or the Authorization header", async () => {
    await call("POST", "/scim/v2/Users", {
      headers: auth,
      body: { userName: "x@contoso.com", password: "Body-Only-P4ssw0rd!", title: "Body Only Title" },
    });
    const json = toJsonString(ProvisioningEntrySchema, only());
    expect(json).not.toContain("Body-Only");
    expect(json).not.toContain(secret);
    expect(json).not.toMatch(/bearer/i);
  });

  it("R20: a request without a valid token goes to the support-only stream (no tenant, no token id)", async () => {
    expect(
      await call("GET", "/scim/v2/Users", { headers: { authorization: "Bearer cosafe_scim_wrong-token" } }),
    ).toBe(401);
    const entry = only();
    expect(entry).toMatchObject({
      tenantId: "",
      tokenId: "",
      method: "GET",
      path: "/Users",
      outcome: ProvisioningOutcome.UNAUTHENTICATED,
      status: 401,
      detail: "invalid token",
    });
    expect(toJsonString(ProvisioningEntrySchema, entry)).not.toContain("wrong-token");
  });

  it("R20: a client error records status, resource id from the path and the SCIM error detail", async () => {
    expect(await call("GET", "/scim/v2/Users/0000-missing", { headers: auth })).toBe(404);
    expect(only()).toMatchObject({
      tenantId,
      resourceType: "User",
      resourceId: "0000-missing",
      outcome: ProvisioningOutcome.CLIENT_ERROR,
      status: 404,
      detail: "user 0000-missing not found",
    });
  });

  it("R20: an unknown group is recorded with the handler's note and the error detail", async () => {
    expect(
      await call("PATCH", "/scim/v2/Groups/7a1b2c3d-0000-4000-8000-000000000001", {
        headers: auth,
        body: {},
      }),
    ).toBe(404);
    expect(only()).toMatchObject({
      resourceType: "Group",
      resourceId: "7a1b2c3d-0000-4000-8000-000000000001",
      outcome: ProvisioningOutcome.CLIENT_ERROR,
      detail: "unknown group; group was deleted in the admin panel",
    });
  });

  it("R20: a full licence (403) is recorded as a licence refusal", async () => {
    expect(
      await call("PATCH", "/scim/v2/Users/5c8a1e0b-2f3d-4a6e-9b7c-1d2e3f4a5b6c", { headers: auth, body: {} }),
    ).toBe(403);
    expect(only()).toMatchObject({
      outcome: ProvisioningOutcome.LICENSE_REFUSED,
      status: 403,
      detail: "licence limit reached: 10 of 10 seats in use",
    });
  });

  it("R20: a server error is recorded with the generic detail the client saw, not the cause", async () => {
    expect(await call("GET", "/scim/v2/Groups", { headers: auth })).toBe(500);
    const entry = only();
    expect(entry).toMatchObject({
      resourceType: "Group",
      outcome: ProvisioningOutcome.SERVER_ERROR,
      status: 500,
    });
    expect(toJsonString(ProvisioningEntrySchema, entry)).not.toContain("hunter2");
  });

  it("R20: the path is logged without its query string; .search is not a resource id", async () => {
    await call("GET", `/scim/v2/Users?filter=${encodeURIComponent('userName eq "a@b.c"')}`, {
      headers: auth,
    });
    expect(only()).toMatchObject({ path: "/Users", resourceId: "", outcome: ProvisioningOutcome.SUCCESS });
    entries.length = 0;
    await call("POST", "/scim/v2/Users/.search", { headers: auth, body: {} });
    expect(only()).toMatchObject({
      path: "/Users/.search",
      resourceType: "User",
      resourceId: "",
      status: 404,
    });
  });

  it("R20: only SCIM requests are logged (not health checks)", async () => {
    expect(await call("GET", "/healthz")).toBe(200);
    expect(entries).toHaveLength(0);
  });

  it("R20: the request never waits for delivery, even when identity-core hangs", async () => {
    const hanging = new ProvisioningLogBatcher<ProvisioningEntry>({
      sink: { record: () => new Promise<void>(() => undefined) },
      logger: silent,
      maxBatchSize: 1,
      flushIntervalMs: 10,
      closeTimeoutMs: 50,
    });
    const slow = await listen(app(hanging));
    try {
      for (let i = 0; i < 5; i++) {
        const response = await fetch(`${slow.url}/scim/v2/Users`, { headers: auth });
        expect(response.status).toBe(200);
        await response.arrayBuffer();
      }
      expect(hanging.stats()).toMatchObject({ delivered: 0, lost: 0 });
    } finally {
      await new Promise<void>((resolve) => slow.server.close(() => resolve()));
    }
    // Shutdown is not held hostage either: close() gives up after its timeout and counts the loss.
    const closing = hanging.close();
    await expect(closing).resolves.toBeUndefined();
    expect(hanging.stats()).toMatchObject({ buffered: 0, delivered: 0, lost: 5 });
  });
});
