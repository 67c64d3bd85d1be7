import { Code, createClient } from "@connectrpc/connect";
import { DeprovisionBrakeService } from "@cosafe/proto/identity";
import { createServiceTransport, reasonOf } from "@cosafe/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testCredential } from "./support/core-harness.js";
import {
  expectError,
  type GroupHarness,
  rejection,
  startGroupHarness,
  TenantKit,
  unique,
} from "./support/group-harness.js";

// Issue 12 (docs/adr/0012): the mass-deprovision brake counts established users only. A user
// the identity provider itself created less than max(window, young-user age) ago (default
// 24 h) is the IdP's own test or onboarding traffic: its deprovisioning is neither counted
// nor held, and it is not in the population the percent applies to. Users created by an
// administrator or the import, and IdP users older than that age, count as before.

let h: GroupHarness;
let brake: ReturnType<typeof createClient<typeof DeprovisionBrakeService>>;

beforeAll(async () => {
  h = await startGroupHarness();
  brake = createClient(
    DeprovisionBrakeService,
    createServiceTransport({ baseUrl: h.url, credential: testCredential }),
  );
});

afterAll(async () => {
  await h?.close();
});

type Outcome = "ok" | "held" | `other:${string}`;

async function outcome(call: Promise<unknown>): Promise<Outcome> {
  try {
    await call;
    return "ok";
  } catch (error) {
    const e = error as { code?: Code };
    if (e.code === Code.Unavailable && reasonOf(error as never) === "DEPROVISION_HELD") return "held";
    return `other:${String(error)}`;
  }
}

const deactivate = (t: TenantKit, userId: string) =>
  h.users.updateUser(
    { tenantId: t.tenantId, user: { id: userId, active: false }, updateMask: { paths: ["active"] } },
    t.scim,
  );

const scimDelete = (t: TenantKit, userId: string) =>
  h.users.deleteUser({ tenantId: t.tenantId, userId }, t.scim);

async function sequential(calls: (() => Promise<unknown>)[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const call of calls) outcomes.push(await outcome(call()));
  return outcomes;
}

async function scimUsers(t: TenantKit, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await t.scimUser());
  return ids;
}

/** Moves the IdP's creation of these users into the past, as if they were created then. */
async function createdAgo(userIds: readonly string[], interval: string): Promise<void> {
  await h.db.query(
    "update identity.app_user set idp_created_at = now() - $2::interval, created_at = now() - $2::interval where id = any($1::uuid[])",
    [userIds, interval],
  );
}

async function countedRows(t: TenantKit): Promise<number> {
  const { rows } = await h.db.query<{ n: number }>(
    "select count(*)::int as n from identity.idp_deprovision where tenant_id = $1",
    [t.tenantId],
  );
  return rows[0]?.n ?? 0;
}

describe("issue 12: the brake counts established users only", () => {
  it("R4/R5: the IdP's own young users are deprovisioned without limit and never counted", async () => {
    const t = await TenantKit.create(h);
    // A first day of SCIM: nothing but the IdP's own users, created and removed at once.
    const young = await scimUsers(t, 60);
    const outcomes = await sequential([
      ...young.slice(0, 30).map((id) => () => deactivate(t, id)),
      ...young.slice(30).map((id) => () => scimDelete(t, id)),
    ]);
    expect(outcomes).toEqual(Array(60).fill("ok"));
    expect(await countedRows(t)).toBe(0);
    const state = await brake.getDeprovisionBrake({ tenantId: t.tenantId }, t.support);
    expect(state).toMatchObject({ recentCount: 0, heldCount: 0, establishedUsers: 0 });
    expect(state.settings).toMatchObject({ youngUserSeconds: 86400 });
  });

  it("R7/R17: a group delete of young users passes; only its established members count", async () => {
    const t = await TenantKit.create(h);
    const established = await t.seedUsers(100, unique("old"));
    const young = await scimUsers(t, 30);
    // Young users are not part of the population: the limit stays max(20, 10% of 100).
    expect(await sequential(established.slice(0, 18).map((id) => () => deactivate(t, id)))).toEqual(
      Array(18).fill("ok"),
    );

    const onlyYoung = await t.scimGroup(young.slice(0, 25));
    expect(await outcome(t.deleteGroup(onlyYoung.id))).toBe("ok");
    expect(await countedRows(t)).toBe(18);

    // 5 young + 2 established: 18 + 2 ≤ 20 passes, and counts the 2.
    const mixed = await t.scimGroup([...young.slice(25, 30), ...established.slice(18, 20)]);
    expect(await outcome(t.deleteGroup(mixed.id))).toBe("ok");
    expect(await countedRows(t)).toBe(20);
    const state = await brake.getDeprovisionBrake({ tenantId: t.tenantId }, t.support);
    expect(state).toMatchObject({ recentCount: 20, limit: 20, establishedUsers: 80 });

    // The next established user is held, as before issue 12.
    expect(await outcome(deactivate(t, established[20] ?? ""))).toBe("held");
  });

  it("users created in the admin panel or by the import count even when young (R12 adoption)", async () => {
    const t = await TenantKit.create(h);
    await t.seedUsers(80, unique("imported"));
    const manual: string[] = [];
    for (let i = 0; i < 22; i++) manual.push(await t.manualUser());
    // The IdP adopts each manual user on its first write (R12) and deprovisions it: counted.
    const outcomes = await sequential(manual.map((id) => () => scimDelete(t, id)));
    expect(outcomes).toEqual([...Array(20).fill("ok"), "held", "held"]);
    expect(await countedRows(t)).toBe(20);
    const { rows } = await h.db.query("select managed_by from identity.app_user where id = any($1::uuid[])", [
      manual.slice(20),
    ]);
    // Nothing of the held request is stored, not even the adoption.
    expect(rows).toEqual([{ managed_by: "MANUAL" }, { managed_by: "MANUAL" }]);
  });

  it("IdP users provisioned longer ago than the young-user age count and are held", async () => {
    const t = await TenantKit.create(h);
    const users = await scimUsers(t, 40);
    await createdAgo(users, "25 hours");
    expect((await brake.getDeprovisionBrake({ tenantId: t.tenantId }, t.support)).establishedUsers).toBe(40);
    const outcomes = await sequential(users.slice(0, 22).map((id) => () => deactivate(t, id)));
    expect(outcomes).toEqual([...Array(20).fill("ok"), "held", "held"]);
    expect(await countedRows(t)).toBe(20);
  });

  it("the young-user age is a tenant setting, and the window is its floor", async () => {
    const t = await TenantKit.create(h);
    await t.seedUsers(100, unique("old"));
    const twoHours = await scimUsers(t, 21);
    await createdAgo(twoHours, "2 hours");
    const halfHour = await scimUsers(t, 5);
    await createdAgo(halfHour, "30 minutes");

    // Default (24 h): all 26 are young.
    expect((await brake.getDeprovisionBrake({ tenantId: t.tenantId }, t.support)).establishedUsers).toBe(100);
    await brake.updateDeprovisionBrake(
      { tenantId: t.tenantId, settings: { youngUserSeconds: 3600 } },
      t.support,
    );
    // Young age 1 h, window 1 h: the 2-hour-old users count, the 30-minute-old ones do not.
    expect(await sequential(twoHours.map((id) => () => deactivate(t, id)))).toEqual([
      ...Array(20).fill("ok"),
      "held",
    ]);
    expect(await sequential(halfHour.map((id) => () => deactivate(t, id)))).toEqual(Array(5).fill("ok"));
    expect(await countedRows(t)).toBe(20);

    // A window of 3 h makes users younger than 3 h young, whatever the young-user age.
    await brake.updateDeprovisionBrake(
      { tenantId: t.tenantId, settings: { windowSeconds: 3 * 3600 } },
      t.support,
    );
    expect(await outcome(deactivate(t, twoHours[20] ?? ""))).toBe("ok");
  });

  it("brake set: support's change is audited with before and after; bad values change nothing", async () => {
    const t = await TenantKit.create(h);
    const updated = await brake.updateDeprovisionBrake(
      {
        tenantId: t.tenantId,
        settings: { percent: 25, minimum: 50, windowSeconds: 7200, youngUserSeconds: 172800 },
      },
      t.support,
    );
    expect(updated.settings).toMatchObject({
      percent: 25,
      minimum: 50,
      windowSeconds: 7200,
      youngUserSeconds: 172800,
    });
    // A zero field keeps its value.
    const second = await brake.updateDeprovisionBrake(
      { tenantId: t.tenantId, settings: { minimum: 30 } },
      t.support,
    );
    expect(second.settings).toMatchObject({ percent: 25, minimum: 30, windowSeconds: 7200 });
    expect((await brake.getDeprovisionBrake({ tenantId: t.tenantId }, t.support)).settings).toMatchObject({
      percent: 25,
      minimum: 30,
      windowSeconds: 7200,
      youngUserSeconds: 172800,
    });

    const { rows } = await h.db.query(
      `select actor_id, actor_role, before, after from identity.audit_event
        where tenant_id = $1 and action = 'deprovision_brake.updated' order by id`,
      [t.tenantId],
    );
    expect(rows).toEqual([
      {
        actor_id: "support@cosafe.test",
        actor_role: "SUPPORT",
        before: { percent: 10, minimum: 20, windowSeconds: 3600, youngUserSeconds: 86400 },
        after: { percent: 25, minimum: 50, windowSeconds: 7200, youngUserSeconds: 172800 },
      },
      {
        actor_id: "support@cosafe.test",
        actor_role: "SUPPORT",
        before: { percent: 25, minimum: 50, windowSeconds: 7200, youngUserSeconds: 172800 },
        after: { percent: 25, minimum: 30, windowSeconds: 7200, youngUserSeconds: 172800 },
      },
    ]);

    for (const settings of [
      { percent: 101 },
      { windowSeconds: 30 },
      { windowSeconds: 8 * 86400 },
      { youngUserSeconds: 31 * 86400 },
      { minimum: -1 },
    ]) {
      const error = await rejection(
        brake.updateDeprovisionBrake({ tenantId: t.tenantId, settings }, t.support),
      );
      expectError(error, Code.InvalidArgument, "BRAKE_SETTING_INVALID");
    }
    for (const who of [t.admin, t.scim]) {
      const error = await rejection(
        brake.updateDeprovisionBrake({ tenantId: t.tenantId, settings: { percent: 100 } }, who),
      );
      expect(error.code).toBe(Code.PermissionDenied);
    }
    const { rows: after } = await h.db.query(
      "select count(*)::int as n from identity.audit_event where tenant_id = $1 and action = 'deprovision_brake.updated'",
      [t.tenantId],
    );
    expect(after[0]?.n).toBe(2);
  });
});
