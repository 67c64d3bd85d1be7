import { randomUUID } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Client, Code, ConnectError } from "@connectrpc/connect";
import { createLogger } from "@cosafe/logging";
import { ActorType, Role } from "@cosafe/proto/identity";
import type { LicenseService } from "@cosafe/proto/licensing";
import { type CallActor, errorMetadataOf, reasonOf } from "@cosafe/rpc";
import type { TestDatabase } from "@cosafe/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Licensing, startLicensing } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import {
  as,
  credentialsEnv,
  type LicensingProcess,
  licensingClient,
  licensingTestDatabase,
  serviceRolesEnv,
  startLicensingProcess,
  support,
  system,
} from "./support/licensing-harness.js";

let database: TestDatabase;
let licensing: Licensing;
let client: Client<typeof LicenseService>;
let db: pg.Pool;

beforeAll(async () => {
  database = await licensingTestDatabase();
  const config = loadConfig({
    DATABASE_URL: database.url,
    LICENSING_PORT: "0",
    COSAFE_SERVICE_CREDENTIALS: credentialsEnv,
    COSAFE_SERVICE_ROLES: serviceRolesEnv,
  });
  licensing = await startLicensing(
    config,
    createLogger({ service: "licensing", level: process.env.TEST_LOG_LEVEL ?? "silent" }),
  );
  client = licensingClient(`http://127.0.0.1:${licensing.server.port}`);
  db = new pg.Pool({ connectionString: database.url, max: 3 });
});

afterAll(async () => {
  await db?.end();
  await licensing?.close();
  await database?.drop();
});

async function failure(promise: Promise<unknown>): Promise<ConnectError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ConnectError)) throw new Error("expected a ConnectError");
  return error;
}

/** A tenant with a licence of `seatLimit` seats. */
async function licensedTenant(seatLimit: number, c: Client<typeof LicenseService> = client): Promise<string> {
  const tenantId = randomUUID();
  await c.setSeatLimit({ tenantId, seatLimit }, as(support));
  return tenantId;
}

const allocate = (tenantId: string, userId: string, c: Client<typeof LicenseService> = client) =>
  c.allocateSeat({ tenantId, userId }, as(system)).then(({ seat }) => {
    if (!seat) throw new Error("no seat returned");
    return seat;
  });

/** Seat rows, the licence counter and the audit rows of a tenant, straight from the database. */
async function ledger(tenantId: string) {
  const seats = await db.query<{ id: string; user_id: string }>(
    "select id, user_id from licensing.seat where tenant_id = $1 order by created_at, id",
    [tenantId],
  );
  const license = await db.query<{ seats_in_use: number; seat_limit: number }>(
    "select seats_in_use, seat_limit from licensing.license where tenant_id = $1",
    [tenantId],
  );
  const audit = await db.query<{ action: string; before: unknown; after: Record<string, unknown> | null }>(
    "select action, before, after from licensing.audit_event where tenant_id = $1 and action like 'seat.%' order by id",
    [tenantId],
  );
  return { seats: seats.rows, seatsInUse: license.rows[0]?.seats_in_use ?? 0, audit: audit.rows };
}

/** Backdates a seat (seats are immutable, so with triggers off for this one session). */
async function ageSeat(seatId: string, seconds: number): Promise<void> {
  const session = await db.connect();
  try {
    await session.query("set session_replication_role = replica");
    await session.query(
      "update licensing.seat set created_at = now() - make_interval(secs => $2) where id = $1",
      [seatId, seconds],
    );
  } finally {
    await session.query("reset session_replication_role");
    session.release();
  }
}

describe("AllocateSeat", () => {
  it("R9/R19: allocating within the limit takes a seat, counts it and audits it in the same statement", async () => {
    const tenantId = await licensedTenant(3);
    const userId = randomUUID();
    const seat = await allocate(tenantId, userId);
    expect(seat).toMatchObject({ tenantId, userId });
    expect(seat.createTime).toBeDefined();
    const { license } = await client.getLicense({ tenantId }, as(support));
    expect(license).toMatchObject({ seatLimit: 3, seatsInUse: 1 });
    const state = await ledger(tenantId);
    expect(state.seats).toEqual([{ id: seat.id, user_id: userId }]);
    expect(state.audit).toEqual([
      { action: "seat.allocated", before: null, after: { seatId: seat.id, userId, cause: "allocate" } },
    ]);
  });

  it("R9: a retry of the same allocation returns the same seat and takes no second one", async () => {
    const tenantId = await licensedTenant(5);
    const userId = randomUUID();
    const first = await allocate(tenantId, userId);
    const again = await allocate(tenantId, userId);
    expect(again.id).toBe(first.id);
    const state = await ledger(tenantId);
    expect([state.seats.length, state.seatsInUse, state.audit.length]).toEqual([1, 1, 1]);
  });

  it("R9: the same allocation retried 5 times concurrently takes one seat", async () => {
    const tenantId = await licensedTenant(5);
    const userId = randomUUID();
    const seats = await Promise.all(Array.from({ length: 5 }, () => allocate(tenantId, userId)));
    expect(new Set(seats.map((s) => s.id)).size).toBe(1);
    const state = await ledger(tenantId);
    expect([state.seats.length, state.seatsInUse, state.audit.length]).toEqual([1, 1, 1]);
  });

  it("R9: a full licence refuses with FAILED_PRECONDITION LICENSE_LIMIT_REACHED saying N of M seats in use", async () => {
    const tenantId = await licensedTenant(2);
    await allocate(tenantId, randomUUID());
    await allocate(tenantId, randomUUID());
    const refused = await failure(allocate(tenantId, randomUUID()));
    expect(refused.code).toBe(Code.FailedPrecondition);
    expect(reasonOf(refused)).toBe("LICENSE_LIMIT_REACHED");
    expect(refused.rawMessage).toMatch(/2 of 2 seats in use/);
    expect(errorMetadataOf(refused)).toEqual({ seatsInUse: "2", seatLimit: "2" });
    const state = await ledger(tenantId);
    expect([state.seats.length, state.seatsInUse, state.audit.length]).toEqual([2, 2, 2]);
  });

  it("R9: a tenant without a licence has no seat to give (0 of 0)", async () => {
    const refused = await failure(allocate(randomUUID(), randomUUID()));
    expect([refused.code, reasonOf(refused)]).toEqual([Code.FailedPrecondition, "LICENSE_LIMIT_REACHED"]);
    expect(refused.rawMessage).toMatch(/0 of 0 seats in use/);
  });

  it("R9: once support raises the limit, the refused allocation succeeds with no other action", async () => {
    const tenantId = await licensedTenant(1);
    await allocate(tenantId, randomUUID());
    const userId = randomUUID();
    expect(reasonOf(await failure(allocate(tenantId, userId)))).toBe("LICENSE_LIMIT_REACHED");
    await client.setSeatLimit({ tenantId, seatLimit: 2 }, as(support));
    expect((await allocate(tenantId, userId)).userId).toBe(userId);
    expect((await ledger(tenantId)).seatsInUse).toBe(2);
  });

  it("R9: lowering the limit below the seats in use takes no seat away and refuses new ones until enough are released", async () => {
    const tenantId = await licensedTenant(4);
    const seats = await Promise.all(Array.from({ length: 4 }, () => allocate(tenantId, randomUUID())));
    const { license } = await client.setSeatLimit({ tenantId, seatLimit: 2 }, as(support));
    expect(license).toMatchObject({ seatLimit: 2, seatsInUse: 4 });
    expect((await ledger(tenantId)).seats).toHaveLength(4);
    const refused = await failure(allocate(tenantId, randomUUID()));
    expect(refused.rawMessage).toMatch(/4 of 2 seats in use/);
    // Existing holders keep their seats; a retry of their allocation still answers.
    expect((await allocate(tenantId, seats[0]?.userId ?? "")).id).toBe(seats[0]?.id);
    for (const seat of seats.slice(0, 3)) await client.releaseSeat({ tenantId, seatId: seat.id }, as(system));
    expect((await ledger(tenantId)).seatsInUse).toBe(1);
    await allocate(tenantId, randomUUID());
    expect(reasonOf(await failure(allocate(tenantId, randomUUID())))).toBe("LICENSE_LIMIT_REACHED");
  });

  it("refuses malformed ids with INVALID_ARGUMENT", async () => {
    const tenantId = randomUUID();
    expect(reasonOf(await failure(allocate("acme", randomUUID())))).toBe("TENANT_ID_INVALID");
    expect(reasonOf(await failure(allocate(tenantId, "alice")))).toBe("USER_ID_INVALID");
    expect(reasonOf(await failure(client.releaseSeat({ tenantId, seatId: "x" }, as(system))))).toBe(
      "SEAT_ID_INVALID",
    );
  });
});

describe("ReleaseSeat", () => {
  it("R9/R19: a release frees the seat and is audited; releasing again succeeds and changes nothing", async () => {
    const tenantId = await licensedTenant(1);
    const userId = randomUUID();
    const seat = await allocate(tenantId, userId);
    await client.releaseSeat({ tenantId, seatId: seat.id }, as(system));
    await client.releaseSeat({ tenantId, seatId: seat.id }, as(system));
    const state = await ledger(tenantId);
    expect([state.seats.length, state.seatsInUse]).toEqual([0, 0]);
    expect(state.audit.map((a) => a.action)).toEqual(["seat.allocated", "seat.released"]);
    expect(state.audit[1]?.before).toEqual({ seatId: seat.id, userId, cause: "release" });
    await allocate(tenantId, randomUUID());
  });

  it("R9: a late release naming an old seat id never frees the user's new seat", async () => {
    const tenantId = await licensedTenant(1);
    const userId = randomUUID();
    const old = await allocate(tenantId, userId);
    await client.releaseSeat({ tenantId, seatId: old.id }, as(system));
    const renewed = await allocate(tenantId, userId);
    expect(renewed.id).not.toBe(old.id);
    await client.releaseSeat({ tenantId, seatId: old.id }, as(system));
    const state = await ledger(tenantId);
    expect(state.seats).toEqual([{ id: renewed.id, user_id: userId }]);
    expect(state.seatsInUse).toBe(1);
  });

  it("R9: a late release by user id frees only a seat granted by its deadline, never one a later allocation was handed (again)", async () => {
    const tenantId = await licensedTenant(2);
    const seatRow = async (userId: string) => {
      const { rows } = await db.query<{ id: string; granted_at: Date }>(
        "select id, granted_at from licensing.seat where tenant_id = $1 and user_id = $2",
        [tenantId, userId],
      );
      return rows[0];
    };
    // The unanswered allocation's seat landed; its caller owes a release up to its deadline.
    const userId = randomUUID();
    const landed = await allocate(tenantId, userId);
    const deadline = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // A retry (any replica) is handed the same seat, which is granted anew.
    const retried = await allocate(tenantId, userId);
    expect(retried.id).toBe(landed.id);
    expect((await seatRow(userId))?.granted_at.getTime()).toBeGreaterThan(deadline.getTime());
    await client.releaseSeat({ tenantId, userId, grantedNotAfter: timestampFromDate(deadline) }, as(system));
    expect((await seatRow(userId))?.id).toBe(landed.id);
    expect((await ledger(tenantId)).seatsInUse).toBe(1);

    // Without a retry the owed release frees the stray seat; without a deadline it frees any.
    const stray = randomUUID();
    await allocate(tenantId, stray);
    await client.releaseSeat(
      { tenantId, userId: stray, grantedNotAfter: timestampFromDate(new Date(Date.now() + 1000)) },
      as(system),
    );
    expect(await seatRow(stray)).toBeUndefined();
    await client.releaseSeat({ tenantId, userId }, as(system));
    const state = await ledger(tenantId);
    expect([state.seats.length, state.seatsInUse]).toEqual([0, 0]);
  });

  it("R9: an allocation past its deadline is not handed a held seat anew", async () => {
    const tenantId = await licensedTenant(1);
    const userId = randomUUID();
    await allocate(tenantId, userId);
    const { rows: before } = await db.query<{ granted_at: Date }>(
      "select granted_at from licensing.seat where tenant_id = $1",
      [tenantId],
    );
    const late = await client.allocateSeat(
      { tenantId, userId, notAfter: timestampFromDate(new Date(Date.now() - 1000)) },
      as(system),
    );
    expect(late.seat?.userId).toBe(userId);
    const { rows: after } = await db.query<{ granted_at: Date }>(
      "select granted_at from licensing.seat where tenant_id = $1",
      [tenantId],
    );
    expect(after[0]?.granted_at).toEqual(before[0]?.granted_at);
  });

  it("R9: a seat's tenant, user and creation stay immutable; only its grant time moves", async () => {
    const tenantId = await licensedTenant(1);
    const seat = await allocate(tenantId, randomUUID());
    const attempt = (set: string, value: unknown) =>
      db.query(`update licensing.seat set ${set} = $1 where id = $2`, [value, seat.id]).then(
        () => "updated",
        (e: Error) => e.message,
      );
    expect(await attempt("user_id", randomUUID())).toContain("seats are never updated");
    expect(await attempt("tenant_id", randomUUID())).toContain("seats are never updated");
    expect(await attempt("id", randomUUID())).toContain("seats are never updated");
    expect(await attempt("created_at", new Date(0))).toContain("seats are never updated");
    const later = new Date(Date.now() + 60_000);
    expect(await attempt("granted_at", later)).toBe("updated");
    const { rows } = await db.query<{ granted_at: Date }>(
      "select granted_at from licensing.seat where id = $1",
      [seat.id],
    );
    expect(rows[0]?.granted_at).toEqual(later);
    expect((await ledger(tenantId)).seatsInUse).toBe(1);
  });

  it("R21: a release naming another tenant's seat changes nothing", async () => {
    const tenantId = await licensedTenant(1);
    const seat = await allocate(tenantId, randomUUID());
    await client.releaseSeat({ tenantId: randomUUID(), seatId: seat.id }, as(system));
    expect((await ledger(tenantId)).seats).toHaveLength(1);
  });
});

describe("ListSeats", () => {
  it("R9: lists a tenant's seats in allocation order, paged, with the exact total", async () => {
    const tenantId = await licensedTenant(5);
    const seats = [];
    for (let i = 0; i < 5; i++) seats.push(await allocate(tenantId, randomUUID()));
    const first = await client.listSeats({ tenantId, pageSize: 2 }, as(support));
    expect(first.totalSize).toBe(5);
    expect(first.seats.map((s) => s.id)).toEqual(seats.slice(0, 2).map((s) => s.id));
    const rest = [];
    let token = first.nextPageToken;
    while (token) {
      const page = await client.listSeats({ tenantId, pageSize: 2, pageToken: token }, as(system));
      rest.push(...page.seats.map((s) => s.id));
      token = page.nextPageToken;
    }
    expect(rest).toEqual(seats.slice(2).map((s) => s.id));
    const all = await client.listSeats({ tenantId }, as(support));
    expect([all.seats.length, all.nextPageToken]).toEqual([5, ""]);
    expect(reasonOf(await failure(client.listSeats({ tenantId, pageToken: "bogus" }, as(support))))).toBe(
      "PAGE_TOKEN_INVALID",
    );
    expect(reasonOf(await failure(client.listSeats({ tenantId, pageSize: -1 }, as(support))))).toBe(
      "PAGE_INVALID",
    );
  });
});

describe("Permissions", () => {
  it("R21b: only SYSTEM allocates, releases and reconciles; SUPPORT and SYSTEM list; nobody else", async () => {
    const tenantId = await licensedTenant(1);
    const admin: CallActor = { type: ActorType.PERSON, id: "admin", role: Role.ADMIN, tenantId };
    const scim: CallActor = { type: ActorType.SCIM_TOKEN, id: randomUUID(), role: Role.SCIM, tenantId };
    const calls = (actor: CallActor) => [
      client.allocateSeat({ tenantId, userId: randomUUID() }, as(actor)),
      client.releaseSeat({ tenantId, seatId: randomUUID() }, as(actor)),
      client.reconcileSeats({ tenantId, provisionedUsers: [], gracePeriodSeconds: 0 }, as(actor)),
    ];
    for (const actor of [support, admin, scim])
      for (const call of calls(actor)) expect(reasonOf(await failure(call))).toBe("ROLE_NOT_ALLOWED");
    for (const actor of [admin, scim])
      expect(reasonOf(await failure(client.listSeats({ tenantId }, as(actor))))).toBe("ROLE_NOT_ALLOWED");
    expect((await ledger(tenantId)).seats).toEqual([]);
  });
});

describe("ReconcileSeats", () => {
  const reconcile = (
    tenantId: string,
    provisionedUsers: { userId: string; seatId?: string }[],
    gracePeriodSeconds = 0,
  ) =>
    client.reconcileSeats(
      {
        tenantId,
        provisionedUsers: provisionedUsers.map((u) => ({ userId: u.userId, seatId: u.seatId ?? "" })),
        gracePeriodSeconds,
      },
      as(system),
    );

  it("R19: releases stray seats older than the grace period and keeps younger ones (requests in flight)", async () => {
    const tenantId = await licensedTenant(5);
    const stale = await allocate(tenantId, randomUUID());
    const young = await allocate(tenantId, randomUUID());
    const held = await allocate(tenantId, randomUUID());
    await ageSeat(stale.id, 600);
    const report = await reconcile(tenantId, [{ userId: held.userId, seatId: held.id }], 300);
    expect(report.releasedSeats.map((s) => s.id)).toEqual([stale.id]);
    expect([report.grantedSeats, report.reassignedSeats, report.overrunUserIds]).toEqual([[], [], []]);
    const state = await ledger(tenantId);
    expect(state.seats.map((s) => s.id).sort()).toEqual([young.id, held.id].sort());
    expect(state.seatsInUse).toBe(2);
    expect(state.audit.at(-1)).toMatchObject({
      action: "seat.released",
      before: { seatId: stale.id, cause: "reconcile" },
    });
  });

  it("R19: grants missing seats within the limit, reports the rest as overruns and takes no seat away", async () => {
    const tenantId = await licensedTenant(3);
    const holder = await allocate(tenantId, randomUUID());
    const missing = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const provisioned = [
      { userId: holder.userId, seatId: holder.id },
      ...missing.map((userId) => ({ userId })),
    ];
    const report = await reconcile(tenantId, provisioned);
    expect(report.grantedSeats.map((s) => s.userId).sort()).toEqual(missing.slice(0, 2).sort());
    expect(report.overrunUserIds).toEqual(missing.slice(2));
    expect(report.releasedSeats).toEqual([]);
    const state = await ledger(tenantId);
    expect([state.seats.length, state.seatsInUse]).toEqual([3, 3]);
    expect(state.seats.map((s) => s.id)).toContain(holder.id);
    expect(state.audit.filter((a) => a.after?.cause === "reconcile")).toHaveLength(2);
  });

  it("R19: reports a provisioned user holding a seat under another id than the one reported", async () => {
    const tenantId = await licensedTenant(2);
    const seat = await allocate(tenantId, randomUUID());
    const other = await allocate(tenantId, randomUUID());
    const report = await reconcile(tenantId, [
      { userId: seat.userId, seatId: randomUUID() },
      { userId: other.userId },
    ]);
    expect(report.reassignedSeats.map((s) => s.id).sort()).toEqual([seat.id, other.id].sort());
    expect([report.releasedSeats, report.grantedSeats, report.overrunUserIds]).toEqual([[], [], []]);
    expect((await ledger(tenantId)).seatsInUse).toBe(2);
  });

  it("R19: a reconciliation is idempotent: run again, it changes nothing", async () => {
    const tenantId = await licensedTenant(2);
    await allocate(tenantId, randomUUID());
    const users = [{ userId: randomUUID() }, { userId: randomUUID() }, { userId: randomUUID() }];
    const first = await reconcile(tenantId, users);
    expect([first.releasedSeats.length, first.grantedSeats.length, first.overrunUserIds.length]).toEqual([
      1, 2, 1,
    ]);
    const auditRows = (await ledger(tenantId)).audit.length;
    const withSeats = users.map((u) => ({
      userId: u.userId,
      seatId: first.grantedSeats.find((s) => s.userId === u.userId)?.id ?? "",
    }));
    const second = await reconcile(tenantId, withSeats);
    expect(second.releasedSeats).toEqual([]);
    expect(second.grantedSeats).toEqual([]);
    expect(second.reassignedSeats).toEqual([]);
    expect(second.overrunUserIds).toEqual(first.overrunUserIds);
    expect((await ledger(tenantId)).audit).toHaveLength(auditRows);
  });

  it("refuses malformed provisioned users and negative grace periods with INVALID_ARGUMENT", async () => {
    const tenantId = randomUUID();
    expect(reasonOf(await failure(reconcile(tenantId, [{ userId: "bob" }])))).toBe("USER_ID_INVALID");
    expect(reasonOf(await failure(reconcile(tenantId, [{ userId: randomUUID(), seatId: "s1" }])))).toBe(
      "SEAT_ID_INVALID",
    );
    expect(reasonOf(await failure(reconcile(tenantId, [], -1)))).toBe("GRACE_PERIOD_INVALID");
  });
});

describe("R9 across replicas (two licensing processes on one database)", () => {
  let replicas: LicensingProcess[] = [];
  let clients: Client<typeof LicenseService>[] = [];

  beforeAll(async () => {
    replicas = await Promise.all([
      startLicensingProcess({ databaseUrl: database.url }),
      startLicensingProcess({ databaseUrl: database.url }),
    ]);
    clients = replicas.map((r) => licensingClient(r.url));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
  });

  it("R9: 50 concurrent allocations for distinct users against a limit of 10 take exactly 10 seats", async () => {
    const tenantId = await licensedTenant(10);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => allocate(tenantId, randomUUID(), clients[i % 2])),
    );
    const granted = outcomes.filter((o) => o.status === "fulfilled");
    const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as ConnectError] : []));
    expect(granted).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const error of refused) expect(reasonOf(error)).toBe("LICENSE_LIMIT_REACHED");
    const state = await ledger(tenantId);
    expect([state.seats.length, state.seatsInUse]).toEqual([10, 10]);
  });

  it("R9: the same allocation retried 5 times concurrently over both replicas takes one seat", async () => {
    const tenantId = await licensedTenant(10);
    const userId = randomUUID();
    const seats = await Promise.all(
      Array.from({ length: 5 }, (_, i) => allocate(tenantId, userId, clients[i % 2])),
    );
    expect(new Set(seats.map((s) => s.id)).size).toBe(1);
    expect((await ledger(tenantId)).seats).toHaveLength(1);
  });

  it("R9/R19: under concurrent allocations, releases and limit changes the counter equals the seats and never passes the limit", async () => {
    const tenantId = await licensedTenant(8);
    const users = Array.from({ length: 20 }, () => randomUUID());
    const held = new Map<string, string>();
    const worker = async (w: number) => {
      const c = clients[w % 2] ?? client;
      for (let i = 0; i < 30; i++) {
        const userId = users[(w * 7 + i * 3) % users.length] ?? "";
        const seatId = held.get(userId);
        if (seatId && i % 2 === 0) {
          held.delete(userId);
          await c.releaseSeat({ tenantId, seatId }, as(system));
        } else {
          await allocate(tenantId, userId, c).then(
            (seat) => void held.set(userId, seat.id),
            (error: ConnectError) => expect(reasonOf(error)).toBe("LICENSE_LIMIT_REACHED"),
          );
        }
        if (w === 0 && i % 10 === 5)
          await client.setSeatLimit({ tenantId, seatLimit: 4 + (i % 5) }, as(support));
        const { rows } = await db.query<{ n: number }>(
          "select count(*)::int as n from licensing.seat where tenant_id = $1",
          [tenantId],
        );
        expect(rows[0]?.n).toBeLessThanOrEqual(8);
      }
    };
    await Promise.all(Array.from({ length: 6 }, (_, w) => worker(w)));
    const state = await ledger(tenantId);
    expect(state.seatsInUse).toBe(state.seats.length);
    const allocated = state.audit.filter((a) => a.action === "seat.allocated").length;
    const released = state.audit.filter((a) => a.action === "seat.released").length;
    expect(allocated - released).toBe(state.seats.length);
  });
});

describe("AllocateSeats (group commit, docs/adr/0021)", () => {
  const allocateMany = (tenantId: string, userIds: string[]) =>
    client.allocateSeats({ tenantId, userIds }, as(system)).then(({ seats }) => seats);

  it("R9: seats for several users are taken, counted and audited by one call, one per distinct user, in request order", async () => {
    const tenantId = await licensedTenant(5);
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const held = await allocate(tenantId, b);
    const seats = await allocateMany(tenantId, [a, b, c, a]);
    expect(seats.map((s) => s.userId)).toEqual([a, b, c]);
    expect(seats[1]?.id).toBe(held.id);
    const state = await ledger(tenantId);
    expect([state.seats.length, state.seatsInUse, state.audit.length]).toEqual([3, 3, 3]);
  });

  it("R9: a batch that does not fit takes no seat at all and answers LICENSE_LIMIT_REACHED", async () => {
    const tenantId = await licensedTenant(3);
    await allocate(tenantId, randomUUID());
    const error = await failure(allocateMany(tenantId, [randomUUID(), randomUUID(), randomUUID()]));
    expect([Code[error.code], reasonOf(error)]).toEqual(["FailedPrecondition", "LICENSE_LIMIT_REACHED"]);
    expect(errorMetadataOf(error)).toMatchObject({ seatLimit: "3" });
    const state = await ledger(tenantId);
    expect([state.seats.length, state.seatsInUse]).toEqual([1, 1]);
  });

  it("R9: parallel batches on one tenant never pass the limit", async () => {
    const tenantId = await licensedTenant(10);
    const batches = Array.from({ length: 8 }, () => [randomUUID(), randomUUID(), randomUUID()]);
    const outcomes = await Promise.allSettled(batches.map((batch) => allocateMany(tenantId, batch)));
    const granted = outcomes.filter((o) => o.status === "fulfilled").length;
    expect(granted).toBe(3);
    const state = await ledger(tenantId);
    expect([state.seats.length, state.seatsInUse]).toEqual([9, 9]);
  });

  it("refuses an empty batch, a batch over 1000 users and ids that are not UUIDs", async () => {
    const tenantId = await licensedTenant(5);
    for (const userIds of [[], Array.from({ length: 1001 }, () => randomUUID()), ["not-a-uuid"]]) {
      const error = await failure(allocateMany(tenantId, userIds));
      expect(Code[error.code]).toBe("InvalidArgument");
      expect(["USER_IDS_INVALID", "USER_ID_INVALID"]).toContain(reasonOf(error));
    }
    expect((await ledger(tenantId)).seats).toEqual([]);
  });
});
