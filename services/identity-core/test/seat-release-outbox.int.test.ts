import { Code, ConnectError } from "@connectrpc/connect";
import { reasonOf } from "@cosafe/rpc";
import { freePort, type TestDatabase } from "@cosafe/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
import { as, identityTestDatabase, scimActor, systemCaller } from "./support/core-harness.js";

/**
 * The seat-release outbox (issue 15, docs/adr/0013-seat-release-outbox.md) against a real
 * licensing process that the tests kill, restart and pause, all on one database.
 */
let database: TestDatabase;
let port: number;
let licensingProcess: LicensingProcess;
let core: CoreInstance;
let db: pg.Pool;

beforeAll(async () => {
  database = await identityTestDatabase();
  port = await freePort();
  licensingProcess = await startLicensingProcess(database.url, port);
  core = await startCore(database.url, ledgerFor(licensingProcess.url));
  db = new pg.Pool({ connectionString: database.url, max: 3 });
}, 120_000);

afterAll(async () => {
  await db?.end();
  await core?.close();
  await licensingProcess?.stop();
  await database?.drop();
});

const licensing = () => licensingClient(licensingProcess.url);
const scim = (tenantId: string) => as(scimActor(tenantId));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function restartLicensing() {
  licensingProcess = await startLicensingProcess(database.url, port);
}

const setActive = (tenantId: string, userId: string, active: boolean) =>
  core.users.updateUser(
    { tenantId, user: { id: userId, active }, updateMask: { paths: ["active"] } },
    scim(tenantId),
  );

async function seatsOf(tenantId: string) {
  const { rows } = await db.query<{ id: string; user_id: string }>(
    "select id, user_id from licensing.seat where tenant_id = $1 order by user_id",
    [tenantId],
  );
  return rows.map((r) => ({ userId: r.user_id, seatId: r.id }));
}

async function provisioned(tenantId: string) {
  const { rows } = await db.query<{ id: string; seat_id: string }>(
    "select id, seat_id from identity.app_user where tenant_id = $1 and state = 'PROVISIONED' order by id",
    [tenantId],
  );
  return rows.map((r) => ({ userId: r.id, seatId: r.seat_id }));
}

async function owed(tenantId: string) {
  const { rows } = await db.query<{ user_id: string; seat_id: string | null }>(
    "select user_id, seat_id from identity.seat_release where tenant_id = $1 order by id",
    [tenantId],
  );
  return rows;
}

/** Polls until licensing's seats equal the provisioned users and nothing is owed. */
async function settled(tenantId: string, withinMs = 30_000) {
  const started = Date.now();
  for (;;) {
    const [seats, users, pending] = await Promise.all([
      seatsOf(tenantId),
      provisioned(tenantId),
      owed(tenantId),
    ]);
    if (JSON.stringify(seats) === JSON.stringify(users) && pending.length === 0) return;
    if (Date.now() - started > withinMs) {
      expect({ seats, pending }).toEqual({ seats: users, pending: [] });
      return;
    }
    await sleep(250);
  }
}

describe("seat-release outbox", () => {
  it("R4/R19: with licensing down, a deactivation and a deletion commit and answer OK; their releases wait in the outbox and are drained once licensing is back", async () => {
    const tenantId = await licensedTenant(core, licensing(), 10);
    const [a, b, keep] = await Promise.all(
      ["a", "b", "keep"].map(
        async (n) =>
          (
            await core.users.createUser(
              { tenantId, user: { userName: `${n}@outbox.example` } },
              scim(tenantId),
            )
          ).user,
      ),
    );
    await licensingProcess.kill();
    try {
      const { user } = await setActive(tenantId, a?.id ?? "", false);
      expect(user?.active).toBe(false);
      await core.users.deleteUser({ tenantId, userId: b?.id ?? "" }, scim(tenantId));
      expect((await owed(tenantId)).map((r) => r.seat_id).sort()).toEqual([a?.seatId, b?.seatId].sort());
      expect(await provisioned(tenantId)).toEqual([{ userId: keep?.id, seatId: keep?.seatId }]);
    } finally {
      await restartLicensing();
    }
    await settled(tenantId);
    expect(await seatsOf(tenantId)).toEqual([{ userId: keep?.id, seatId: keep?.seatId }]);
  }, 120_000);

  it("R9: a release still owed when its user is re-activated never frees the user's seat", async () => {
    const tenantId = await licensedTenant(core, licensing(), 10);
    const { user } = await core.users.createUser(
      { tenantId, user: { userName: "again@outbox.example" } },
      scim(tenantId),
    );
    const userId = user?.id ?? "";
    // The drainer is held back: the release stays owed while the user comes back.
    await core.core.seats.stop();
    try {
      await licensingProcess.kill();
      await setActive(tenantId, userId, false);
      await restartLicensing();
      expect(await owed(tenantId)).toEqual([{ user_id: userId, seat_id: user?.seatId }]);
      const { user: back } = await setActive(tenantId, userId, true);
      expect(back?.active).toBe(true);
      expect(await owed(tenantId)).toEqual([]);
      await core.core.seats.drain();
    } finally {
      core.core.seats.start();
    }
    const stored = await provisioned(tenantId);
    expect(stored).toHaveLength(1);
    expect(await seatsOf(tenantId)).toEqual(stored);
  }, 120_000);

  it("R9: with licensing paused, a creation and a re-activation answer UNAVAILABLE within the budget and store nothing; seats licensing takes after waking are not left behind", async () => {
    const tenantId = await licensedTenant(core, licensing(), 10);
    const { user } = await core.users.createUser(
      { tenantId, user: { userName: "back@outbox.example" } },
      scim(tenantId),
    );
    const userId = user?.id ?? "";
    await setActive(tenantId, userId, false);
    await settled(tenantId);
    licensingProcess.pause();
    try {
      const outcomes = await Promise.all([
        core.users
          .createUser({ tenantId, user: { userName: "frozen@outbox.example" } }, scim(tenantId))
          .catch((e: unknown) => e),
        setActive(tenantId, userId, true).catch((e: unknown) => e),
      ]);
      for (const error of outcomes) {
        expect(error).toBeInstanceOf(ConnectError);
        expect([(error as ConnectError).code, reasonOf(error as ConnectError)]).toEqual([
          Code.Unavailable,
          "LICENSING_UNAVAILABLE",
        ]);
      }
      // Owed by user id: the seats those allocations may have taken.
      expect((await owed(tenantId)).filter((r) => r.seat_id === null)).toHaveLength(2);
    } finally {
      licensingProcess.resume();
    }
    await settled(tenantId);
    expect(await provisioned(tenantId)).toEqual([]);
    const { rows } = await db.query("select state from identity.app_user where id = $1", [userId]);
    expect(rows[0]?.state).toBe("DEPROVISIONED");
  }, 120_000);

  it("R9: the late release owed for an unanswered re-activation never frees the seat a retry on another replica was handed", async () => {
    const tenantId = await licensedTenant(core, licensing(), 10);
    const { user } = await core.users.createUser(
      { tenantId, user: { userName: "retried@outbox.example" } },
      scim(tenantId),
    );
    const userId = user?.id ?? "";
    await setActive(tenantId, userId, false);
    await settled(tenantId);
    await core.core.seats.stop();
    try {
      // The re-activation's allocation gets no answer: a release by user id is owed.
      licensingProcess.pause();
      try {
        const error = await setActive(tenantId, userId, true).catch((e: unknown) => e);
        expect(reasonOf(error as ConnectError)).toBe("LICENSING_UNAVAILABLE");
      } finally {
        licensingProcess.resume();
      }
      const [release] = await owed(tenantId);
      expect(release).toMatchObject({ user_id: userId, seat_id: null });
      // The IdP's retry reaches another replica, which is handed a seat for the user and has
      // not committed yet when this replica's owed release goes out.
      const { seat } = await licensing().allocateSeat({ tenantId, userId }, as(systemCaller));
      await core.core.seats.drain({ userIds: [userId] });
      expect(await owed(tenantId)).toEqual([]);
      expect(await seatsOf(tenantId)).toEqual([{ userId, seatId: seat?.id }]);
    } finally {
      core.core.seats.start();
    }
  }, 120_000);

  it("R19: reconciliation releases the seat of a user identity-core knows as deprovisioned at once, whatever the grace period", async () => {
    const tenantId = await licensedTenant(core, licensing(), 10);
    const { user } = await core.users.createUser(
      { tenantId, user: { userName: "stray@outbox.example" } },
      scim(tenantId),
    );
    await core.core.seats.stop();
    try {
      await licensingProcess.kill();
      await setActive(tenantId, user?.id ?? "", false);
      await restartLicensing();
      // A release lost before the outbox existed: only licensing still knows the seat.
      await db.query("delete from identity.seat_release where tenant_id = $1", [tenantId]);
      expect(await seatsOf(tenantId)).toEqual([{ userId: user?.id, seatId: user?.seatId }]);
      const report = await new SeatReconciliation(
        core.core.orm,
        licensing(),
        core.core.seats,
        quietLogger(),
        { intervalMs: 60_000, gracePeriodSeconds: 600 },
      ).run({ tenantId, wait: true });
      expect(report?.released).toEqual([]);
      expect(report?.releasedKnown).toEqual([{ tenantId, userId: user?.id, seatId: user?.seatId }]);
      expect(await seatsOf(tenantId)).toEqual([]);
    } finally {
      core.core.seats.start();
    }
  }, 120_000);
});
