import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { DurationSchema, timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { createLogger } from "@cosafe/logging";
import {
  type ProvisioningEntry,
  ProvisioningEntrySchema,
  ProvisioningLogService,
  ProvisioningOutcome,
  Role,
} from "@cosafe/proto/identity";
import { createServiceTransport, errorMetadataOf, reasonOf } from "@cosafe/rpc";
import type { TestDatabase } from "@cosafe/testing";
import { MikroORM } from "@mikro-orm/postgresql";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProvisioningEntryInput } from "../src/domain/provisioning-log/provisioning-entry.js";
import { ProvisioningLog } from "../src/domain/provisioning-log/provisioning-log.js";
import {
  ProvisioningLogPurge,
  provisioningLogPurgeLockKey,
} from "../src/domain/provisioning-log/retention-purge.js";
import { ormConfig } from "../src/storage/orm-config.js";
import {
  adminActor,
  as,
  type CoreHarness,
  identityTestDatabase,
  scimActor,
  startCoreHarness,
  supportActor,
  systemCaller,
  testCredential,
} from "./support/core-harness.js";

type EntryInit = ProvisioningEntry;
type EntryFields = Partial<Omit<ProvisioningEntry, "$typeName" | "$unknown">>;

let h: CoreHarness;
let log: Client<typeof ProvisioningLogService>;
let tenantA: string;
let tenantB: string;

beforeAll(async () => {
  h = await startCoreHarness();
  log = createClient(
    ProvisioningLogService,
    createServiceTransport({ baseUrl: h.url, credential: testCredential }),
  );
  tenantA = await h.newTenant("Tenant A");
  tenantB = await h.newTenant("Tenant B");
});

afterAll(() => h?.close());

const tokenId = "6d1f2f5e-8c1e-4c36-9b43-2a3c1c7d0a11";

/** One entry as the facade would send it; `at` defaults to now. */
function entry(tenantId: string, fields: EntryFields & { at?: Date } = {}): EntryInit {
  const { at, ...rest } = fields;
  return create(ProvisioningEntrySchema, {
    id: randomUUID(),
    tenantId,
    tokenId: tenantId ? tokenId : "",
    requestId: randomUUID(),
    time: timestampFromDate(at ?? new Date()),
    method: "POST",
    path: "/Users",
    resourceType: "User",
    outcome: ProvisioningOutcome.SUCCESS,
    status: 201,
    duration: { seconds: 0n, nanos: 12_345_000 },
    ...rest,
  });
}

const asSystem = as(systemCaller);
const asSupport = as(supportActor);

async function record(entries: EntryInit[]): Promise<number> {
  return (await log.recordProvisioningEntries({ entries }, asSystem)).recordedCount;
}

async function failureOf(promise: Promise<unknown>): Promise<ConnectError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ConnectError)) throw new Error("expected the call to fail");
  return error;
}

async function codeOf(promise: Promise<unknown>): Promise<[Code, string | undefined]> {
  const error = await failureOf(promise);
  return [error.code, reasonOf(error)];
}

describe("R20: RecordProvisioningEntries", () => {
  it("R20: stores a batch that mixes tenants and the support-only stream, every field round-tripping", async () => {
    const at = new Date(Date.now() - 5000);
    const a = entry(tenantA, {
      at,
      method: "PATCH",
      path: "/Users/2819c223-7f76-453a-919d-413861904646",
      resourceId: "2819c223-7f76-453a-919d-413861904646",
      userName: "Bjensen@Example.com",
      externalId: "bjensen-ext",
      outcome: ProvisioningOutcome.CLIENT_ERROR,
      status: 400,
      scimType: "invalidValue",
      detail: "displayName derived from name.formatted",
      ignoredAttributes: ["addresses", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
    });
    const b = entry(tenantB);
    const anonymous = entry("", { outcome: ProvisioningOutcome.UNAUTHENTICATED, status: 401, method: "GET" });

    expect(await record([a, b, anonymous])).toBe(3);

    const { entries } = await log.listProvisioningEntries({ tenantId: tenantA }, asSupport);
    expect(entries).toHaveLength(1);
    const stored = entries[0];
    expect(stored).toMatchObject({
      id: a.id,
      tenantId: tenantA,
      tokenId,
      requestId: a.requestId,
      method: "PATCH",
      path: a.path,
      resourceType: "User",
      resourceId: a.resourceId,
      userName: "Bjensen@Example.com",
      externalId: "bjensen-ext",
      outcome: ProvisioningOutcome.CLIENT_ERROR,
      status: 400,
      scimType: "invalidValue",
      detail: "displayName derived from name.formatted",
      ignoredAttributes: a.ignoredAttributes,
    });
    expect(stored?.time && timestampDate(stored.time)).toEqual(at);
    expect(stored?.duration).toMatchObject({ seconds: 0n, nanos: 12_345_000 });

    const ofB = await log.listProvisioningEntries({ tenantId: tenantB }, asSupport);
    expect(ofB.entries.map((e) => e.id)).toEqual([b.id]);
    const supportStream = await log.listProvisioningEntries({ tenantId: "" }, asSupport);
    expect(supportStream.entries.map((e) => e.id)).toContain(anonymous.id);
    expect(supportStream.entries.every((e) => e.tenantId === "")).toBe(true);
  });

  it("R20: a retried batch stores no duplicates, and a partly new retry stores only the new entries", async () => {
    const tenant = await h.newTenant("Retry Co");
    const batch = [entry(tenant), entry(tenant), entry("")];
    expect(await record(batch)).toBe(3);
    expect(await record(batch)).toBe(0);
    expect(await record([...batch, entry(tenant)])).toBe(1);
    // The same entry twice in one batch is stored once too.
    const twice = entry(tenant);
    expect(await record([twice, twice])).toBe(1);
    const { entries } = await log.listProvisioningEntries({ tenantId: tenant }, asSupport);
    // Two of the first batch, one of the partly new retry, one of the doubled entry.
    expect(entries).toHaveLength(4);
    expect(new Set(entries.map((e) => e.id)).size).toBe(4);
  });

  it("R20: accepts 500 entries per call and refuses 501 with BATCH_TOO_LARGE", async () => {
    const tenant = await h.newTenant("Big Batch Co");
    const many = Array.from({ length: 501 }, () => entry(tenant));
    expect(await codeOf(log.recordProvisioningEntries({ entries: many }, asSystem))).toEqual([
      Code.InvalidArgument,
      "BATCH_TOO_LARGE",
    ]);
    expect(await record(many.slice(0, 500))).toBe(500);
  });

  it.each([
    ["id", { id: "" }],
    ["id", { id: "not-a-uuid" }],
    ["tenant_id", { tenantId: "tenant-a" }],
    ["token_id", { tokenId: "secret-token-value" }],
    ["request_id", { requestId: "" }],
    ["time", { time: undefined }],
    ["method", { method: "" }],
    ["outcome", { outcome: ProvisioningOutcome.UNSPECIFIED }],
    ["status", { status: 0 }],
    ["status", { status: 700 }],
    ["resource_type", { resourceType: "Device" }],
    ["duration", { duration: create(DurationSchema, { seconds: -1n }) }],
  ] as [string, EntryFields][])(
    "R20: refuses a malformed entry (%s) with INVALID_ARGUMENT naming it, storing nothing of the batch",
    async (field, broken) => {
      const tenant = await h.newTenant("Malformed Co");
      const good = entry(tenant);
      const bad = create(ProvisioningEntrySchema, { ...entry(tenant), ...broken });
      const error = await failureOf(log.recordProvisioningEntries({ entries: [good, bad] }, asSystem));
      expect([error.code, reasonOf(error)]).toEqual([Code.InvalidArgument, "PROVISIONING_ENTRY_INVALID"]);
      expect(errorMetadataOf(error)).toEqual({ index: "1", field });
      const { entries } = await log.listProvisioningEntries({ tenantId: tenant }, asSupport);
      expect(entries).toHaveLength(0);
    },
  );

  it("R20: only the SYSTEM actor records entries", async () => {
    const entries = [entry(tenantA)];
    for (const actor of [adminActor(tenantA), supportActor, scimActor(tenantA)]) {
      expect(await codeOf(log.recordProvisioningEntries({ entries }, as(actor)))).toEqual([
        Code.PermissionDenied,
        "ROLE_NOT_ALLOWED",
      ]);
    }
  });

  it("R20: cuts over-long text and drops NULs instead of losing the batch", async () => {
    const tenant = await h.newTenant("Odd Input Co");
    const odd = entry(tenant, {
      userName: `${"x".repeat(5000)}`,
      externalId: "ext\u0000id",
      ignoredAttributes: Array.from({ length: 300 }, (_, i) => `attr${i}`),
    });
    expect(await record([odd])).toBe(1);
    const [stored] = (await log.listProvisioningEntries({ tenantId: tenant }, asSupport)).entries;
    expect(stored?.userName).toHaveLength(1024);
    expect(stored?.externalId).toBe("extid");
    expect(stored?.ignoredAttributes).toHaveLength(200);
  });

  it("R20: recording entries leaves the audit log (R22) untouched", async () => {
    const tenant = await h.newTenant("Audit Co");
    const before = await h.audit.listAuditEvents({ tenantId: tenant }, asSupport);
    await record([entry(tenant), entry(tenant, { outcome: ProvisioningOutcome.SERVER_ERROR, status: 500 })]);
    const after = await h.audit.listAuditEvents({ tenantId: tenant }, asSupport);
    expect(after.events.map((e) => e.id)).toEqual(before.events.map((e) => e.id));
  });
});

describe("R20: ListProvisioningEntries", () => {
  let tenant: string;
  const base = Date.now() - 3_600_000;
  const minute = (n: number) => new Date(base + n * 60_000);
  const seeded: Record<string, EntryInit> = {};

  beforeAll(async () => {
    tenant = await h.newTenant("Filter Co");
    seeded.created = entry(tenant, {
      at: minute(1),
      resourceId: "11111111-1111-4111-8111-111111111111",
      userName: "Alice@Contoso.com",
      externalId: "alice-ext",
    });
    seeded.refused = entry(tenant, {
      at: minute(2),
      userName: "bob@contoso.com",
      externalId: "bob-ext",
      outcome: ProvisioningOutcome.LICENSE_REFUSED,
      status: 403,
      detail: "licence limit reached: 10 of 10 seats in use",
    });
    seeded.patched = entry(tenant, {
      at: minute(3),
      method: "PATCH",
      path: "/Users/11111111-1111-4111-8111-111111111111",
      resourceId: "11111111-1111-4111-8111-111111111111",
      userName: "alice@contoso.com",
    });
    seeded.unknownGroup = entry(tenant, {
      at: minute(4),
      method: "PATCH",
      path: "/Groups/22222222-2222-4222-8222-222222222222",
      resourceType: "Group",
      resourceId: "22222222-2222-4222-8222-222222222222",
      outcome: ProvisioningOutcome.CLIENT_ERROR,
      status: 404,
      detail: "group was deleted in the admin panel",
    });
    seeded.failed = entry(tenant, {
      at: minute(5),
      externalId: "alice-ext",
      outcome: ProvisioningOutcome.SERVER_ERROR,
      status: 503,
    });
    expect(await record(Object.values(seeded))).toBe(5);
  });

  const ids = (entries: { id: string }[]) => entries.map((e) => e.id);
  const list = async (filters: Record<string, unknown> = {}, actor = adminActor(tenant)) =>
    ids((await log.listProvisioningEntries({ tenantId: tenant, ...filters }, as(actor))).entries);

  it("R20: lists a tenant's entries newest first to its administrator", async () => {
    const s = seeded;
    expect(await list()).toEqual(
      [s.failed, s.unknownGroup, s.patched, s.refused, s.created].map((e) => e?.id),
    );
  });

  it("R20: filters by time range (start inclusive, end exclusive)", async () => {
    const s = seeded;
    expect(
      await list({ startTime: timestampFromDate(minute(2)), endTime: timestampFromDate(minute(4)) }),
    ).toEqual([s.patched?.id, s.refused?.id]);
    expect(await list({ startTime: timestampFromDate(minute(5)) })).toEqual([s.failed?.id]);
  });

  it("R20: filters by outcome", async () => {
    const s = seeded;
    expect(await list({ outcomes: [ProvisioningOutcome.LICENSE_REFUSED] })).toEqual([s.refused?.id]);
    expect(
      await list({ outcomes: [ProvisioningOutcome.CLIENT_ERROR, ProvisioningOutcome.SERVER_ERROR] }),
    ).toEqual([s.failed?.id, s.unknownGroup?.id]);
    expect(await codeOf(log.listProvisioningEntries({ tenantId: tenant, outcomes: [0] }, asSupport))).toEqual(
      [Code.InvalidArgument, "OUTCOME_INVALID"],
    );
  });

  it("R20: filters by resource id, userName (case-insensitively) and externalId, also combined", async () => {
    const s = seeded;
    expect(await list({ resourceId: "11111111-1111-4111-8111-111111111111" })).toEqual([
      s.patched?.id,
      s.created?.id,
    ]);
    expect(await list({ userName: "ALICE@contoso.com" })).toEqual([s.patched?.id, s.created?.id]);
    expect(await list({ externalId: "alice-ext" })).toEqual([s.failed?.id, s.created?.id]);
    expect(
      await list({
        externalId: "alice-ext",
        outcomes: [ProvisioningOutcome.SUCCESS],
        userName: "alice@contoso.com",
      }),
    ).toEqual([s.created?.id]);
    expect(await list({ userName: "nobody@contoso.com" })).toEqual([]);
  });

  it("R20: pages with tokens that entries written meanwhile do not shift", async () => {
    const s = seeded;
    const first = await log.listProvisioningEntries({ tenantId: tenant, pageSize: 2 }, asSupport);
    expect(ids(first.entries)).toEqual([s.failed?.id, s.unknownGroup?.id]);
    expect(first.nextPageToken).not.toBe("");
    // A newer entry arrives while the caller pages.
    const newer = entry(tenant, { at: minute(6) });
    await record([newer]);
    const second = await log.listProvisioningEntries(
      { tenantId: tenant, pageSize: 2, pageToken: first.nextPageToken },
      asSupport,
    );
    expect(ids(second.entries)).toEqual([s.patched?.id, s.refused?.id]);
    const third = await log.listProvisioningEntries(
      { tenantId: tenant, pageSize: 2, pageToken: second.nextPageToken },
      asSupport,
    );
    expect(ids(third.entries)).toEqual([s.created?.id]);
    expect(third.nextPageToken).toBe("");
    expect(
      await codeOf(log.listProvisioningEntries({ tenantId: tenant, pageToken: "bogus" }, asSupport)),
    ).toEqual([Code.InvalidArgument, "PAGE_TOKEN_INVALID"]);
  });

  it("R20: another tenant's administrator sees nothing (NOT_FOUND, like a tenant that does not exist)", async () => {
    expect(await codeOf(log.listProvisioningEntries({ tenantId: tenant }, as(adminActor(tenantA))))).toEqual([
      Code.NotFound,
      "TENANT_NOT_FOUND",
    ]);
  });

  it("R20: SCIM tokens and the SYSTEM actor do not read the log", async () => {
    for (const actor of [scimActor(tenant), systemCaller]) {
      expect((await codeOf(log.listProvisioningEntries({ tenantId: tenant }, as(actor))))[0]).toBe(
        Code.PermissionDenied,
      );
    }
  });

  it("R20: only SUPPORT reads the support-only stream, and it never shows up in a tenant's list", async () => {
    const anonymous = entry("", {
      outcome: ProvisioningOutcome.UNAUTHENTICATED,
      status: 401,
      detail: "missing bearer token",
    });
    await record([anonymous]);
    expect(await codeOf(log.listProvisioningEntries({ tenantId: "" }, as(adminActor(tenant))))).toEqual([
      Code.PermissionDenied,
      "ROLE_NOT_ALLOWED",
    ]);
    expect(
      (
        await codeOf(
          log.listProvisioningEntries({ tenantId: "" }, as({ ...systemCaller, role: Role.SYSTEM })),
        )
      )[0],
    ).toBe(Code.PermissionDenied);
    const stream = await log.listProvisioningEntries(
      { tenantId: "", outcomes: [ProvisioningOutcome.UNAUTHENTICATED] },
      asSupport,
    );
    expect(ids(stream.entries)).toContain(anonymous.id);
    expect(await list({}, supportActor)).not.toContain(anonymous.id);
  });

  it("R20: refuses a malformed tenant id", async () => {
    expect(await codeOf(log.listProvisioningEntries({ tenantId: "acme" }, asSupport))).toEqual([
      Code.InvalidArgument,
      "TENANT_ID_INVALID",
    ]);
  });
});

describe("R20: retention purge", () => {
  let database: TestDatabase;
  let orm: MikroORM;
  let domain: ProvisioningLog;
  const logger = createLogger({ service: "identity-core", level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const day = 86_400_000;
  const now = new Date("2031-03-01T12:00:00Z");

  beforeAll(async () => {
    database = await identityTestDatabase();
    orm = await MikroORM.init(ormConfig(database.url, { poolMax: 4 }));
    domain = new ProvisioningLog(orm);
  });

  afterAll(async () => {
    await orm?.close();
    await database?.drop();
  });

  function input(tenantId: string, time: Date): ProvisioningEntryInput {
    return {
      id: randomUUID(),
      tenantId,
      tokenId: "",
      requestId: randomUUID(),
      time,
      method: "GET",
      path: "/Users",
      resourceType: "",
      resourceId: "",
      userName: "",
      externalId: "",
      outcome: "SUCCESS",
      status: 200,
      scimType: "",
      detail: "",
      ignoredAttributes: [],
      durationUs: 1000,
    };
  }

  async function storedIds(): Promise<string[]> {
    const rows = (await orm.em.fork().execute("select id from identity.provisioning_entry order by id")) as {
      id: string;
    }[];
    return rows.map((r) => r.id);
  }

  it("R20: keeps entries for 30 days by default and deletes older ones, in batches, across tenants and the support stream", async () => {
    const tenant = randomUUID();
    const old = [
      input(tenant, new Date(now.getTime() - 31 * day)),
      input(tenant, new Date(now.getTime() - 45 * day)),
      input("", new Date(now.getTime() - 30 * day - 1000)),
      input(randomUUID(), new Date(now.getTime() - 400 * day)),
      input(tenant, new Date(now.getTime() - 60 * day)),
    ];
    const kept = [
      input(tenant, new Date(now.getTime() - 29 * day)),
      input("", new Date(now.getTime() - day)),
    ];
    expect(await domain.append([...old, ...kept])).toBe(7);

    const purge = new ProvisioningLogPurge(orm, logger, { now: () => now, batchSize: 2 });
    expect(purge.retentionDays).toBe(30);
    expect(await purge.runOnce()).toEqual({ ran: true, deleted: 5 });
    expect(await storedIds()).toEqual(kept.map((e) => e.id).sort());
    expect(await purge.runOnce()).toEqual({ ran: true, deleted: 0 });
  });

  it("R20: the retention time is configurable", async () => {
    const purge = new ProvisioningLogPurge(orm, logger, { now: () => now, retentionDays: 7 });
    const recent = input(randomUUID(), new Date(now.getTime() - 6 * day));
    await domain.append([recent, input(randomUUID(), new Date(now.getTime() - 8 * day))]);
    const before = (await storedIds()).length;
    const result = await purge.runOnce();
    expect(result.ran).toBe(true);
    expect(result.deleted).toBeGreaterThanOrEqual(1);
    expect((await storedIds()).length).toBe(before - result.deleted);
    expect(await storedIds()).toContain(recent.id);
  });

  it("R20: a replica that finds the advisory lock taken skips its run; the next run purges", async () => {
    const old = input(randomUUID(), new Date(now.getTime() - 90 * day));
    await domain.append([old]);
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      await other.query("select pg_advisory_lock($1::bigint)", [provisioningLogPurgeLockKey]);
      const purge = new ProvisioningLogPurge(orm, logger, { now: () => now });
      expect(await purge.runOnce()).toEqual({ ran: false, deleted: 0 });
      expect(await storedIds()).toContain(old.id);
      await other.query("select pg_advisory_unlock($1::bigint)", [provisioningLogPurgeLockKey]);
      expect(await purge.runOnce()).toEqual({ ran: true, deleted: 1 });
      expect(await storedIds()).not.toContain(old.id);
    } finally {
      await other.end();
    }
  });

  it("R20: start() schedules without blocking and stop() ends the schedule", async () => {
    const purge = new ProvisioningLogPurge(orm, logger, { intervalMs: 3_600_000 });
    purge.start();
    await purge.stop();
  });
});
