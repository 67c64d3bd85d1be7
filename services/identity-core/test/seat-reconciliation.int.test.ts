import { randomUUID } from "node:crypto";
import { type Client, Code } from "@connectrpc/connect";
import type { LicenseService } from "@cosafe/proto/licensing";
import { actorHeaders, systemActor } from "@cosafe/rpc";
import { freePort, type TestDatabase } from "@cosafe/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SeatReconciliation, seatReconciliationLockKey } from "../src/domain/seats/seat-reconciliation.js";
import {
  type CoreInstance,
  capturingLogger,
  type LicensingProcess,
  ledgerFor,
  licensedTenant,
  licensingClient,
  quietLogger,
  startCore,
  startLicensingProcess,
} from "./seat-support.js";
import { as, identityTestDatabase, scimActor, supportActor } from "./support/core-harness.js";

let database: TestDatabase;
let licensingProcess: LicensingProcess;
let core: CoreInstance;
let licensing: Client<typeof LicenseService>;
let db: pg.Pool;

beforeAll(async () => {
  database = await identityTestDatabase();
  licensingProcess = await startLicensingProcess(database.url);
  core = await startCore(database.url, ledgerFor(licensingProcess.url));
  licensing = licensingClient(licensingProcess.url);
  db = new pg.Pool({ connectionString: database.url, max: 3 });
}, 120_000);

afterAll(async () => {
  await db?.end();
  await core?.close();
  await licensingProcess?.stop();
  await database?.drop();
});

const system = { headers: actorHeaders(systemActor("identity-core")) };

function reconciliation(
  options: { gracePeriodSeconds?: number; intervalMs?: number; logger?: ReturnType<typeof quietLogger> } = {},
) {
  return new SeatReconciliation(core.core.orm, licensing, core.core.seats, options.logger ?? quietLogger(), {
    intervalMs: options.intervalMs ?? 60_000,
    gracePeriodSeconds: options.gracePeriodSeconds ?? 0,
  });
}

async function createUser(tenantId: string, userName: string) {
  const { user } = await core.users.createUser({ tenantId, user: { userName } }, as(scimActor(tenantId)));
  if (!user) throw new Error("no user");
  return user;
}

async function seatsOf(tenantId: string) {
  const { rows } = await db.query<{ id: string; user_id: string }>(
    "select id, user_id from licensing.seat where tenant_id = $1 order by user_id",
    [tenantId],
  );
  return rows.map((r) => ({ userId: r.user_id, seatId: r.id }));
}

async function userRow(userId: string) {
  const { rows } = await db.query<{ state: string; seat_id: string | null }>(
    "select state, seat_id from identity.app_user where id = $1",
    [userId],
  );
  return rows[0];
}

async function auditOf(tenantId: string, action: string) {
  const { rows } = await db.query<{ target_id: string; before: unknown; after: unknown; actor_role: string }>(
    "select target_id, before, after, actor_role from identity.audit_event where tenant_id = $1 and action = $2 order by id",
    [tenantId, action],
  );
  return rows;
}

describe("SeatReconciliation (R19)", () => {
  it("R19: a seat left behind by a crash between the services (no provisioned user) is released once older than the grace period, with an audit event", async () => {
    const tenantId = await licensedTenant(core, licensing, 5);
    const kept = await createUser(tenantId, "kept@example.com");
    // identity-core took this seat, then died before its transaction committed.
    const { seat: stray } = await licensing.allocateSeat({ tenantId, userId: randomUUID() }, system);
    const young = await reconciliation({ gracePeriodSeconds: 600 }).run({ tenantId });
    expect(young?.released).toEqual([]);
    expect(await seatsOf(tenantId)).toHaveLength(2);

    const report = await reconciliation({ gracePeriodSeconds: 0 }).run({ tenantId });
    expect(report?.released).toEqual([{ tenantId, userId: stray?.userId, seatId: stray?.id }]);
    expect(await seatsOf(tenantId)).toEqual([{ userId: kept.id, seatId: kept.seatId }]);
    expect(await auditOf(tenantId, "seat.stray_released")).toEqual([
      {
        target_id: stray?.id,
        before: { seatId: stray?.id, userId: stray?.userId },
        after: null,
        actor_role: "SYSTEM",
      },
    ]);
  });

  it("R19: a provisioned user whose seat was lost gets a new one within the limit, written back to the user and audited", async () => {
    const tenantId = await licensedTenant(core, licensing, 2);
    const user = await createUser(tenantId, "lost@example.com");
    // A late release freed the user's seat while the user stayed provisioned.
    await licensing.releaseSeat({ tenantId, seatId: user.seatId }, system);
    const report = await reconciliation().run({ tenantId });
    const granted = report?.granted[0];
    expect(report?.granted).toEqual([{ tenantId, userId: user.id, seatId: expect.any(String) }]);
    expect(granted?.seatId).not.toBe(user.seatId);
    expect(await userRow(user.id)).toEqual({ state: "PROVISIONED", seat_id: granted?.seatId });
    expect(await seatsOf(tenantId)).toEqual([{ userId: user.id, seatId: granted?.seatId }]);
    expect(await auditOf(tenantId, "user.seat_granted")).toEqual([
      {
        target_id: user.id,
        before: { seatId: user.seatId },
        after: { seatId: granted?.seatId },
        actor_role: "SYSTEM",
      },
    ]);
  });

  it("R19: a user holding a seat under another id than it stores gets the id corrected", async () => {
    const tenantId = await licensedTenant(core, licensing, 2);
    const user = await createUser(tenantId, "mismatch@example.com");
    await db.query("update identity.app_user set seat_id = null where id = $1", [user.id]);
    const report = await reconciliation().run({ tenantId });
    expect(report?.reassigned).toEqual([{ tenantId, userId: user.id, seatId: user.seatId }]);
    expect(await userRow(user.id)).toEqual({ state: "PROVISIONED", seat_id: user.seatId });
    expect(await auditOf(tenantId, "user.seat_reassigned")).toHaveLength(1);
  });

  it("R19: with the licence full a missing seat is reported as an overrun and nobody loses access", async () => {
    const tenantId = await licensedTenant(core, licensing, 2);
    const first = await createUser(tenantId, "o1@example.com");
    const second = await createUser(tenantId, "o2@example.com");
    await licensing.releaseSeat({ tenantId, seatId: first.seatId }, system);
    await licensing.releaseSeat({ tenantId, seatId: second.seatId }, system);
    await licensing.setSeatLimit({ tenantId, seatLimit: 1 }, as(supportActor));
    const { logger, lines } = capturingLogger();
    const report = await reconciliation({ logger }).run({ tenantId });
    expect(report?.granted.map((g) => g.userId)).toEqual([first.id]);
    expect(report?.overruns).toEqual([{ tenantId, userId: second.id }]);
    expect(await userRow(second.id)).toEqual({ state: "PROVISIONED", seat_id: second.seatId });
    expect(lines().some((l) => l.level === 40 && String(l.msg).startsWith("seat overrun"))).toBe(true);
  });

  it("R19: consistent seats are left alone: a run changes nothing and writes no audit event", async () => {
    const tenantId = await licensedTenant(core, licensing, 3);
    await createUser(tenantId, "c1@example.com");
    await createUser(tenantId, "c2@example.com");
    const before = await db.query("select count(*)::int as n from identity.audit_event");
    const report = await reconciliation().run({ tenantId });
    expect(report).toEqual({
      tenants: 1,
      released: [],
      releasedKnown: [],
      granted: [],
      reassigned: [],
      overruns: [],
      failedTenants: [],
    });
    const after = await db.query("select count(*)::int as n from identity.audit_event");
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it("R19: runs on one replica at a time: while another replica holds the lock a run is skipped, or queues when asked to wait", async () => {
    const tenantId = await licensedTenant(core, licensing, 3);
    await licensing.allocateSeat({ tenantId, userId: randomUUID() }, system);
    const otherReplica = new pg.Client({ connectionString: database.url });
    await otherReplica.connect();
    try {
      await otherReplica.query("begin");
      await otherReplica.query("select pg_advisory_xact_lock($1)", [seatReconciliationLockKey]);
      expect(await reconciliation().run({ tenantId })).toBeUndefined();
      let done = false;
      const queued = reconciliation()
        .run({ tenantId, wait: true })
        .finally(() => {
          done = true;
        });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(done).toBe(false);
      expect(await seatsOf(tenantId)).toHaveLength(1);
      await otherReplica.query("commit");
      expect((await queued)?.released).toHaveLength(1);
      expect(await seatsOf(tenantId)).toEqual([]);
    } finally {
      await otherReplica.end();
    }
  });

  it("R19: with licensing unreachable a run fails as a whole and changes nothing", async () => {
    const tenantId = await licensedTenant(core, licensing, 1);
    await createUser(tenantId, "offline@example.com");
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    const offline = new SeatReconciliation(
      core.core.orm,
      licensingClient(deadUrl),
      core.core.seats,
      quietLogger(),
      {
        intervalMs: 60_000,
        gracePeriodSeconds: 0,
      },
    );
    const before = await db.query("select count(*)::int as n from identity.audit_event");
    await expect(offline.run({})).rejects.toMatchObject({ code: Code.Unavailable });
    const after = await db.query("select count(*)::int as n from identity.audit_event");
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it("R19: the periodic run repairs by itself", async () => {
    const tenantId = await licensedTenant(core, licensing, 3);
    await licensing.allocateSeat({ tenantId, userId: randomUUID() }, system);
    const periodic = reconciliation({ intervalMs: 100 });
    periodic.start();
    try {
      const deadline = Date.now() + 10_000;
      while ((await seatsOf(tenantId)).length > 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await seatsOf(tenantId)).toEqual([]);
    } finally {
      await periodic.stop();
    }
  });
});
