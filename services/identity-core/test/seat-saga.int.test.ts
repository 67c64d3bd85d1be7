import { randomUUID } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Client, Code, ConnectError } from "@connectrpc/connect";
import type { LicenseService } from "@cosafe/proto/licensing";
import { errorMetadataOf, reasonOf, systemActor as systemActorOf } from "@cosafe/rpc";
import { freePort, type TestDatabase } from "@cosafe/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../src/domain/domain-error.js";
import { SeatReconciliation } from "../src/domain/seats/seat-reconciliation.js";
import {
  type CoreInstance,
  type LicensingProcess,
  ledgerFor,
  licensedTenant,
  licensingClient,
  quietLogger,
  startCore,
  startLicensingProcess,
} from "./seat-support.js";
import { as, identityTestDatabase, scimActor, supportActor } from "./support/core-harness.js";

/**
 * The R9 saga end to end: identity-core (two instances, in-process) with the licensing seat
 * ledger, against two licensing processes, all on one database.
 */
let database: TestDatabase;
let replicas: LicensingProcess[] = [];
let cores: CoreInstance[] = [];
let licensing: Client<typeof LicenseService>;
let db: pg.Pool;

beforeAll(async () => {
  database = await identityTestDatabase();
  replicas = await Promise.all([startLicensingProcess(database.url), startLicensingProcess(database.url)]);
  cores = await Promise.all(replicas.map((r) => startCore(database.url, ledgerFor(r.url))));
  licensing = licensingClient(replicas[0]?.url ?? "");
  db = new pg.Pool({ connectionString: database.url, max: 3 });
}, 120_000);

afterAll(async () => {
  await db?.end();
  await Promise.all(cores.map((c) => c.close()));
  await Promise.all(replicas.map((r) => r.stop()));
  await database?.drop();
});

const core = (i = 0) => cores[i % cores.length] as CoreInstance;

async function rejection(promise: Promise<unknown>): Promise<ConnectError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

const createUser = (tenantId: string, userName: string, i = 0) =>
  core(i).users.createUser({ tenantId, user: { userName } }, as(scimActor(tenantId)));

/** Provisioned users and their stored seat ids, next to licensing's seats, from the database. */
async function agreement(tenantId: string) {
  const users = await db.query<{ id: string; seat_id: string | null }>(
    "select id, seat_id from identity.app_user where tenant_id = $1 and state = 'PROVISIONED' order by id",
    [tenantId],
  );
  const seats = await db.query<{ id: string; user_id: string }>(
    "select id, user_id from licensing.seat where tenant_id = $1 order by user_id",
    [tenantId],
  );
  const counter = await db.query<{ seats_in_use: number }>(
    "select seats_in_use from licensing.license where tenant_id = $1",
    [tenantId],
  );
  return {
    users: users.rows.map((u) => ({ userId: u.id, seatId: u.seat_id })),
    seats: seats.rows.map((s) => ({ userId: s.user_id, seatId: s.id })),
    seatsInUse: counter.rows[0]?.seats_in_use ?? 0,
  };
}

describe("R9 saga: users take seats from the licensing service", () => {
  it("R9: 50 concurrent creations against a limit of 10, over two identity-core and two licensing instances, make exactly 10 users holding 10 seats", async () => {
    const tenantId = await licensedTenant(core(), licensing, 10);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => createUser(tenantId, `burst${i}@example.com`, i)),
    );
    const created = outcomes.filter((o) => o.status === "fulfilled");
    const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as ConnectError] : []));
    expect(created).toHaveLength(10);
    for (const error of refused) {
      expect(error.code).toBe(Code.FailedPrecondition);
      expect(reasonOf(error)).toBe("LICENSE_LIMIT_REACHED");
    }
    const state = await agreement(tenantId);
    expect(state.users).toHaveLength(10);
    expect(state.seatsInUse).toBe(10);
    expect(state.seats).toEqual(state.users.map((u) => ({ userId: u.userId, seatId: u.seatId })));
    const { rows } = await db.query("select count(*)::int as n from identity.app_user where tenant_id = $1", [
      tenantId,
    ]);
    expect(rows[0].n).toBe(10);
  });

  it("R9: a full licence refuses a creation with LICENSE_LIMIT_REACHED and N of M in the message, stores nothing, and the same request succeeds once support raises the limit", async () => {
    const tenantId = await licensedTenant(core(), licensing, 1);
    await createUser(tenantId, "first@example.com");
    const refused = await rejection(createUser(tenantId, "second@example.com", 1));
    expect([refused.code, reasonOf(refused)]).toEqual([Code.FailedPrecondition, "LICENSE_LIMIT_REACHED"]);
    expect(refused.rawMessage).toMatch(/1 of 1 seats in use/);
    expect(errorMetadataOf(refused)).toMatchObject({ seatsInUse: "1", seatLimit: "1" });
    expect((await agreement(tenantId)).users).toHaveLength(1);
    await licensing.setSeatLimit({ tenantId, seatLimit: 2 }, as(supportActor));
    const { user } = await createUser(tenantId, "second@example.com", 1);
    expect(user?.seatId).toBeTruthy();
    const state = await agreement(tenantId);
    expect(state.seats).toHaveLength(2);
    expect(state.seats).toContainEqual({ userId: user?.id, seatId: user?.seatId });
  });

  it("R9: deactivation, deletion and last-SCIM-group removal free the seat; re-activation takes a new one", async () => {
    const tenantId = await licensedTenant(core(), licensing, 3);
    const scim = as(scimActor(tenantId));
    const [a, b, c] = await Promise.all(
      ["deact", "delete", "grouped"].map(async (n) => (await createUser(tenantId, `${n}@example.com`)).user),
    );
    expect((await agreement(tenantId)).seatsInUse).toBe(3);
    await core().users.updateUser(
      { tenantId, user: { id: a?.id ?? "", active: false }, updateMask: { paths: ["active"] } },
      scim,
    );
    await core(1).users.deleteUser({ tenantId, userId: b?.id ?? "" }, scim);
    const { group } = await core().groups.createGroup(
      { tenantId, group: { displayName: "Responders" }, memberUserIds: [c?.id ?? ""] },
      scim,
    );
    await core(1).groups.removeGroupMembers(
      { tenantId, groupId: group?.id ?? "", userIds: [c?.id ?? ""] },
      scim,
    );
    let state = await agreement(tenantId);
    expect([state.users, state.seats, state.seatsInUse]).toEqual([[], [], 0]);

    const { user: back } = await core().users.updateUser(
      { tenantId, user: { id: a?.id ?? "", active: true }, updateMask: { paths: ["active"] } },
      scim,
    );
    expect(back?.seatId).toBeTruthy();
    expect(back?.seatId).not.toBe(a?.seatId);
    state = await agreement(tenantId);
    expect(state.seats).toEqual([{ userId: a?.id, seatId: back?.seatId }]);
  });

  it("R9: with licensing unreachable a creation fails UNAVAILABLE LICENSING_UNAVAILABLE and stores nothing", async () => {
    const tenantId = await licensedTenant(core(), licensing, 5);
    const offline = await startCore(database.url, ledgerFor(`http://127.0.0.1:${await freePort()}`));
    try {
      const error = await rejection(
        offline.users.createUser(
          { tenantId, user: { userName: "nobody@example.com" } },
          as(scimActor(tenantId)),
        ),
      );
      expect([error.code, reasonOf(error)]).toEqual([Code.Unavailable, "LICENSING_UNAVAILABLE"]);
      const state = await agreement(tenantId);
      expect([state.users, state.seats]).toEqual([[], []]);
    } finally {
      await offline.close();
    }
  });
});

describe("LicensingSeatLedger", () => {
  it("R9: the same allocation retried 5 times concurrently takes one seat", async () => {
    const tenantId = await licensedTenant(core(), licensing, 5);
    const ledgers = replicas.map((r) => ledgerFor(r.url));
    const userId = randomUUID();
    const seatIds = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        ledgers[i % 2]?.allocate(tenantId, userId, new Date(Date.now() + 5000)),
      ),
    );
    expect(new Set(seatIds).size).toBe(1);
    expect((await agreement(tenantId)).seats).toEqual([{ userId, seatId: seatIds[0] }]);
  });

  it("R9: a full licence is a DomainError FAILED_PRECONDITION LICENSE_LIMIT_REACHED with licensing's message", async () => {
    const tenantId = await licensedTenant(core(), licensing, 0);
    const error = await ledgerFor(replicas[0]?.url ?? "")
      .allocate(tenantId, randomUUID(), new Date(Date.now() + 5000))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      kind: "FAILED_PRECONDITION",
      reason: "LICENSE_LIMIT_REACHED",
      metadata: { seatsInUse: "0", seatLimit: "0" },
    });
    expect((error as DomainError).message).toMatch(/0 of 0 seats in use/);
  });

  it("R19: a release with licensing down is UNAVAILABLE after one short attempt (the outbox retries it)", async () => {
    const ledger = ledgerFor(`http://127.0.0.1:${await freePort()}`);
    await expect(ledger.release(randomUUID(), null, randomUUID())).rejects.toMatchObject({
      kind: "UNAVAILABLE",
      reason: "LICENSING_UNAVAILABLE",
    });
  });

  it("R9: licensing takes no seat for an allocation whose not_after has passed (ALLOCATION_EXPIRED)", async () => {
    const tenantId = await licensedTenant(core(), licensing, 5);
    const error = await rejection(
      licensingClient(replicas[0]?.url ?? "").allocateSeat(
        { tenantId, userId: randomUUID(), notAfter: timestampFromDate(new Date(Date.now() - 1000)) },
        as(systemActorOf("identity-core")),
      ),
    );
    expect([error.code, reasonOf(error)]).toEqual([Code.DeadlineExceeded, "ALLOCATION_EXPIRED"]);
    expect((await agreement(tenantId)).seats).toEqual([]);
  });
});

describe("R19: licensing crashes in the middle of a burst", () => {
  it("R19: licensing killed mid-burst and restarted, then a reconciliation: seats equal provisioned users and no user is provisioned without a seat", async () => {
    const port = await freePort();
    let victim = await startLicensingProcess(database.url, port);
    const instance = await startCore(database.url, ledgerFor(victim.url));
    try {
      const tenantId = await licensedTenant(instance, licensing, 1000);
      const attempts: Promise<unknown>[] = [];
      let killed = false;
      const burst = (async () => {
        for (let i = 0; i < 120; i++) {
          attempts.push(
            instance.users
              .createUser({ tenantId, user: { userName: `crash${i}@example.com` } }, as(scimActor(tenantId)))
              .catch((e: unknown) => e),
          );
          if (i === 40) {
            killed = true;
            void victim.kill();
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      await burst;
      const outcomes = await Promise.all(attempts);
      expect(killed).toBe(true);
      const failed = outcomes.filter((o) => o instanceof ConnectError) as ConnectError[];
      expect(failed.length).toBeGreaterThan(0);
      for (const error of failed)
        expect([error.code, reasonOf(error), error.rawMessage]).toEqual([
          Code.Unavailable,
          "LICENSING_UNAVAILABLE",
          expect.any(String),
        ]);

      victim = await startLicensingProcess(database.url, port);
      const reconciliation = new SeatReconciliation(
        instance.core.orm,
        licensingClient(victim.url),
        instance.core.seats,
        quietLogger(),
        { intervalMs: 60_000, gracePeriodSeconds: 0 },
      );
      await reconciliation.run({ tenantId, wait: true });
      const state = await agreement(tenantId);
      expect(state.users.length).toBeGreaterThan(0);
      expect(state.users.every((u) => u.seatId)).toBe(true);
      expect(state.seats).toEqual(state.users);
      expect(state.seatsInUse).toBe(state.users.length);
    } finally {
      await instance.close();
      await victim.stop();
    }
  }, 120_000);
});
