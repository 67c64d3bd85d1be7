import { Code, createClient } from "@connectrpc/connect";
import { DeprovisionBrakeService } from "@cosafe/proto/identity";
import { createServiceTransport, reasonOf } from "@cosafe/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testCredential } from "./support/core-harness.js";
import { type GroupHarness, startGroupHarness, TenantKit, unique } from "./support/group-harness.js";

// Issue 7, the mass-deprovision brake (docs/adr/0012): default threshold max(20, 10% of the
// tenant's users) IdP deprovisionings per hour; beyond it UNAVAILABLE / DEPROVISION_HELD.

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

const deactivate = (t: TenantKit, userId: string, who: "scim" | "admin" = "scim") =>
  h.users.updateUser(
    {
      tenantId: t.tenantId,
      user: { id: userId, active: false },
      updateMask: { paths: ["active"] },
      overrideScimLock: who === "admin",
    },
    who === "scim" ? t.scim : t.admin,
  );

async function states(userIds: readonly string[]): Promise<Record<string, number>> {
  const { rows } = await h.db.query<{ state: string; n: number }>(
    "select state, count(*)::int as n from identity.app_user where id = any($1::uuid[]) group by state",
    [userIds],
  );
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

/**
 * A tenant with 100 provisioned SCIM users, in id order. They are established (issue 12):
 * written as the import writes users, with no idp_created_at, so the brake counts them.
 */
async function tenantWith100(): Promise<{ t: TenantKit; users: string[] }> {
  const t = await TenantKit.create(h);
  return { t, users: await t.seedUsers(100, unique("brake")) };
}

/** 30 IdP deactivations, sequentially (the order Entra sends them in a sync cycle). */
async function burst(t: TenantKit, users: readonly string[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const id of users) outcomes.push(await outcome(deactivate(t, id)));
  return outcomes;
}

describe("mass-deprovision brake", () => {
  it("holds an IdP's burst beyond the threshold, loses nothing, and releases on support's command", async () => {
    const { t, users } = await tenantWith100();
    const victims = users.slice(0, 30);

    const first = await burst(t, victims);

    expect(first.slice(0, 20)).toEqual(Array(20).fill("ok"));
    expect(first.slice(20)).toEqual(Array(10).fill("held"));
    // Nothing lost, nothing half-done: the held users are untouched.
    expect(await states(victims.slice(20))).toEqual({ PROVISIONED: 10 });
    expect(await states(victims.slice(0, 20))).toEqual({ DEPROVISIONED: 20 });
    const { rows: counted } = await h.db.query(
      "select 1 from identity.idp_deprovision where tenant_id = $1",
      [t.tenantId],
    );
    expect(counted).toHaveLength(20);

    // Support sees the held requests, and the alert in the provisioning log.
    const state = await brake.getDeprovisionBrake({ tenantId: t.tenantId }, t.support);
    expect(state).toMatchObject({ recentCount: 20, limit: 20, heldCount: 10 });
    expect(state.settings).toMatchObject({ percent: 10, minimum: 20, windowSeconds: 3600 });
    const listed = await brake.listHeldDeprovisions({ tenantId: t.tenantId, pageSize: 4 }, t.support);
    expect(listed.held).toHaveLength(4);
    expect(listed.held[0]).toMatchObject({ kind: "INACTIVE", userIds: [victims[20]], count: 1 });
    expect(listed.nextPageToken).not.toBe("");
    const rest = await brake.listHeldDeprovisions(
      { tenantId: t.tenantId, pageToken: listed.nextPageToken },
      t.support,
    );
    expect(rest.held).toHaveLength(6);
    const { rows: alerts } = await h.db.query(
      "select status, detail from identity.provisioning_entry where tenant_id = $1 and method = 'BRAKE'",
      [t.tenantId],
    );
    expect(alerts).toHaveLength(10);
    expect(alerts[0]).toMatchObject({ status: 503 });
    expect(alerts[0]?.detail).toContain("mass-deprovision brake engaged");

    // The IdP retries while held: still refused, counted on the same held record.
    expect(await outcome(deactivate(t, victims[20] ?? ""))).toBe("held");
    const again = await brake.listHeldDeprovisions({ tenantId: t.tenantId }, t.support);
    expect(again.held).toHaveLength(10);
    expect(again.held[0]?.count).toBe(2);

    const released = await brake.releaseHeldDeprovisions({ tenantId: t.tenantId }, t.support);
    expect(released).toMatchObject({ releasedCount: 10, userCount: 10 });
    expect((await brake.listHeldDeprovisions({ tenantId: t.tenantId }, t.support)).held).toHaveLength(0);

    // The IdP's retries now succeed.
    expect(await burst(t, victims.slice(20))).toEqual(Array(10).fill("ok"));
    expect(await states(victims)).toEqual({ DEPROVISIONED: 30 });
    const { rows: audits } = await h.db.query(
      "select actor_id from identity.audit_event where tenant_id = $1 and action = 'deprovision_brake.released'",
      [t.tenantId],
    );
    expect(audits).toEqual([{ actor_id: "support@cosafe.test" }]);
  });

  it("discard clears the held list and keeps the users; the brake stays engaged for the IdP's retries", async () => {
    const { t, users } = await tenantWith100();
    const victims = users.slice(0, 30);
    const first = await burst(t, victims);
    expect(first.filter((o) => o === "held")).toHaveLength(10);

    const discarded = await brake.discardHeldDeprovisions({ tenantId: t.tenantId }, t.support);
    expect(discarded).toMatchObject({ discardedCount: 10, userCount: 10 });
    expect((await brake.listHeldDeprovisions({ tenantId: t.tenantId }, t.support)).held).toHaveLength(0);
    expect(await states(victims.slice(20))).toEqual({ PROVISIONED: 10 });

    // The IdP retries: still held (and listed again, so support sees a persistent IdP).
    expect(await burst(t, victims.slice(20, 22))).toEqual(["held", "held"]);
    expect(await states(victims.slice(20))).toEqual({ PROVISIONED: 10 });
    expect((await brake.listHeldDeprovisions({ tenantId: t.tenantId }, t.support)).held).toHaveLength(2);
  });

  it("creates and updates keep flowing while held; administrators' deprovisionings are not braked", async () => {
    const { t, users } = await tenantWith100();
    await burst(t, users.slice(0, 21));
    expect(await outcome(deactivate(t, users[21] ?? ""))).toBe("held");

    const created = await h.users.createUser(
      { tenantId: t.tenantId, user: { userName: `${unique("new")}@example.com`, active: true } },
      t.scim,
    );
    expect(created.user?.active).toBe(true);
    await h.users.updateUser(
      {
        tenantId: t.tenantId,
        user: { id: users[50] ?? "", title: "Incident lead" },
        updateMask: { paths: ["title"] },
      },
      t.scim,
    );
    // Re-activation (a provisioning) flows too.
    await h.users.updateUser(
      { tenantId: t.tenantId, user: { id: users[0] ?? "", active: true }, updateMask: { paths: ["active"] } },
      t.scim,
    );

    expect(await outcome(deactivate(t, users[60] ?? "", "admin"))).toBe("ok");
    expect(
      await outcome(h.users.deleteUser({ tenantId: t.tenantId, userId: users[61] ?? "" }, t.admin)),
    ).toBe("ok");
    expect(await states([users[60] ?? ""])).toEqual({ DEPROVISIONED: 1 });
  });

  it("holds IdP DELETEs and R7/R17 deprovisionings (group delete) as one set", async () => {
    const { t, users } = await tenantWith100();
    await burst(t, users.slice(0, 15));
    const group = await t.scimGroup(users.slice(40, 50));

    // Ten users to zero SCIM groups at once: 15 + 10 > 20, the whole delete is refused.
    expect(await outcome(t.deleteGroup(group.id))).toBe("held");
    const { rows } = await h.db.query("select 1 from identity.app_group where id = $1", [group.id]);
    expect(rows).toHaveLength(1);
    expect(await states(users.slice(40, 50))).toEqual({ PROVISIONED: 10 });
    const held = await brake.listHeldDeprovisions({ tenantId: t.tenantId }, t.support);
    expect(held.held).toMatchObject([{ kind: "LAST_SCIM_GROUP_REMOVED", count: 1 }]);
    expect(held.held[0]?.userIds).toHaveLength(10);

    // A user DELETE within the limit passes, beyond it is held and the record stays.
    const deletes = [];
    for (const id of users.slice(60, 67))
      deletes.push(await outcome(h.users.deleteUser({ tenantId: t.tenantId, userId: id }, t.scim)));
    expect(deletes).toEqual([...Array(5).fill("ok"), "held", "held"]);
    expect(await states(users.slice(65, 67))).toEqual({ PROVISIONED: 2 });

    await brake.releaseHeldDeprovisions({ tenantId: t.tenantId }, t.support);
    expect(await outcome(t.deleteGroup(group.id))).toBe("ok");
    expect(await states(users.slice(40, 50))).toEqual({ DEPROVISIONED: 10 });
  });

  it("parallel IdP deprovisionings never exceed the threshold", async () => {
    const { t, users } = await tenantWith100();
    const outcomes = await Promise.all(users.slice(0, 40).map((id) => outcome(deactivate(t, id))));
    expect(outcomes.filter((o) => o === "ok")).toHaveLength(20);
    expect(outcomes.filter((o) => o === "held")).toHaveLength(20);
    const { rows } = await h.db.query<{ n: number }>(
      "select count(*)::int as n from identity.app_user where tenant_id = $1 and state = 'DEPROVISIONED'",
      [t.tenantId],
    );
    expect(rows[0]?.n).toBe(20);
  });

  it("support sets the threshold; other roles cannot use the brake's controls", async () => {
    const { t } = await tenantWith100();
    const updated = await brake.updateDeprovisionBrake(
      { tenantId: t.tenantId, settings: { percent: 50, minimum: 5, windowSeconds: 0 } },
      t.support,
    );
    expect(updated.settings).toMatchObject({ percent: 50, minimum: 5, windowSeconds: 3600 });
    expect((await brake.getDeprovisionBrake({ tenantId: t.tenantId }, t.support)).limit).toBe(50);
    for (const who of [t.admin, t.scim]) {
      const error = await outcome(brake.releaseHeldDeprovisions({ tenantId: t.tenantId }, who));
      expect(error).toContain("other:");
    }
  });
});
