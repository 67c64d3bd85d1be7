import { randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../src/domain/domain-error.js";
import type { SeatAuthority } from "../src/domain/seats.js";
import {
  accountsOf,
  expectError,
  type GroupHarness,
  lockWaiters,
  membershipsOf,
  rejection,
  startGroupHarness,
  statementsOf,
  TenantKit,
  unique,
} from "./support/group-harness.js";

/**
 * Issue 10: the hot write paths send as few statements as their rule needs, counted through
 * the ORM's query hook like R25's test (never timed). Reads of the result in the same test show
 * that what the one statement wrote is all there.
 */

/**
 * Seats that licensing hands out but never confirms giving back: a deprovisioning's release
 * stays in the outbox, where the test can see that the deprovisioning's own statement wrote it.
 */
class UnconfirmedReleases implements SeatAuthority {
  readonly allocateBudgetMs = 1000;
  async allocate(): Promise<string> {
    return randomUUID();
  }
  async release(): Promise<void> {
    throw new DomainError("UNAVAILABLE", "LICENSING_UNAVAILABLE", "licensing does not answer (test)");
  }
}

let h: GroupHarness;
let t: TenantKit;

beforeAll(async () => {
  h = await startGroupHarness({ seats: new UnconfirmedReleases() });
  t = await TenantKit.create(h);
});
afterAll(async () => h.close());

/**
 * The request's own transaction: its statements up to its commit. What follows is the
 * outbox's attempt to release a seat given up (docs/adr/0013), after commit.
 */
function transactionOf(statements: string[]): { transaction: string[]; after: string[] } {
  const end = statements.indexOf("commit") + 1;
  return { transaction: statements.slice(0, end), after: statements.slice(end) };
}

/**
 * After the commit, only the outbox's attempt at the release the write's own statement owed:
 * it claims and settles seat_release rows (and locks the holder's row), and never writes the
 * release a second time.
 */
const onlySeatRelease = (statements: string[]) =>
  statements.length > 0 &&
  statements.some((s) => /seat_release/.test(s)) &&
  statements.every((s) => s === "begin" || s === "commit" || /seat_release|app_user/.test(s)) &&
  !statements.some((s) => /insert into identity\.seat_release/i.test(s));

async function auditsOf(userId: string) {
  const { rows } = await h.db.query<{ action: string; before: unknown; after: unknown; request_id: string }>(
    "select action, before, after, request_id from identity.audit_event where target_id = $1 order by id",
    [userId],
  );
  return rows;
}

/** The user's change events after the given id, in feed order: `TYPE:user:group`. */
async function changesOf(userId: string, groupIds: string[] = []) {
  const { rows } = await h.db.query<{ type: string; user_id: string | null; group_id: string | null }>(
    `select type, user_id, group_id from identity.change_event
      where user_id = $1 or group_id = any($2::uuid[]) order by xid, id`,
    [userId, groupIds],
  );
  return rows.map((r) => `${r.type}:${r.user_id ?? ""}:${r.group_id ?? ""}`);
}

async function storedUser(userId: string) {
  const { rows } = await h.db.query(
    `select title, display_name, managed_by, state, active, deprovision_reason, seat_id, version,
            deprovisioned_at is not null as deprovisioned
       from identity.app_user where id = $1`,
    [userId],
  );
  return rows[0];
}

async function releasesOf(userId: string) {
  const { rows } = await h.db.query<{ seat_id: string }>(
    "select seat_id from identity.seat_release where user_id = $1",
    [userId],
  );
  return rows.map((r) => r.seat_id);
}

async function brakeCountOf(userId: string) {
  const { rows } = await h.db.query<{ n: number }>(
    "select count(*)::int as n from identity.idp_deprovision where user_id = $1",
    [userId],
  );
  return rows[0]?.n;
}

const update = (user: Record<string, unknown>, paths: string[], who = t.scim) =>
  h.users.updateUser(
    { tenantId: t.tenantId, user: { id: String(user.id), ...user }, updateMask: { paths } },
    who,
  );

describe("statements per write (issue 10)", () => {
  it("R1 R3 R22: an IdP create is one statement that writes the user, its default-account membership, the audit and the change event", async () => {
    let userId = "";
    const statements = await statementsOf(h, async () => {
      const { user } = await h.users.createUser(
        { tenantId: t.tenantId, user: { userName: `${unique("one")}@example.com`, displayName: "One" } },
        t.scim,
      );
      userId = user?.id ?? "";
    });
    expect(statements).toHaveLength(1);
    const { rows } = await h.db.query(
      `select (select count(*)::int from identity.account_membership where user_id = $1 and account_id = $2) as accounts,
              (select count(*)::int from identity.audit_event where target_id = $1::text and action = 'user.created') as audits,
              (select count(*)::int from identity.change_event where user_id = $1 and type = 'USER_PROVISIONED') as changes,
              (select managed_by from identity.app_user where id = $1) as managed_by`,
      [userId, t.mainAccountId],
    );
    expect(rows[0]).toEqual({ accounts: 1, audits: 1, changes: 1, managed_by: "SCIM" });
  });

  it("R2 R22 R22b: an IdP attribute update is 2 statements — read tenant and user, then one write of row + audit + change event at the version read", async () => {
    const id = await t.scimUser();
    const before = await storedUser(id);
    const statements = await statementsOf(h, () => update({ id, title: "Chief" }, ["title"]));
    expect(statements).toHaveLength(2);
    expect(statements).not.toContain("begin");
    expect(await storedUser(id)).toMatchObject({ title: "Chief", version: before?.version + 1 });
    expect((await auditsOf(id)).map(({ action, before, after }) => ({ action, before, after }))).toEqual([
      { action: "user.created", before: null, after: expect.anything() },
      { action: "user.updated", before: { title: null }, after: { title: "Chief" } },
    ]);
    expect(await changesOf(id)).toEqual([`USER_PROVISIONED:${id}:`, `USER_UPDATED:${id}:`]);
  });

  it("R22: an update that changes nothing is one read: no write, no event, same version", async () => {
    const id = await t.scimUser();
    await update({ id, title: "Same" }, ["title"]);
    const before = await storedUser(id);
    const statements = await statementsOf(h, () => update({ id, title: "Same" }, ["title"]));
    expect(statements).toHaveLength(1);
    expect(await storedUser(id)).toEqual(before);
    expect(await changesOf(id)).toHaveLength(2);
  });

  it("R12: an IdP update of a manual user adopts it in the same 2 statements, audited adoption first", async () => {
    const id = await t.manualUser();
    const statements = await statementsOf(h, () => update({ id, displayName: "Adopted" }, ["display_name"]));
    expect(statements).toHaveLength(2);
    expect(await storedUser(id)).toMatchObject({ managed_by: "SCIM", display_name: "Adopted" });
    const audits = await auditsOf(id);
    expect(audits.slice(1).map(({ action, before, after }) => ({ action, before, after }))).toEqual([
      { action: "user.adopted", before: { managedBy: "MANUAL" }, after: { managedBy: "SCIM" } },
      {
        action: "user.updated",
        before: { displayName: expect.any(String) },
        after: { displayName: "Adopted" },
      },
    ]);
    expect(await changesOf(id)).toEqual([
      `USER_PROVISIONED:${id}:`,
      `USER_UPDATED:${id}:`,
      `USER_UPDATED:${id}:`,
    ]);
  });

  it("R6: an administrator's override of a mapped attribute is 2 statements, audited as a conflict", async () => {
    const id = await t.scimUser();
    const statements = await statementsOf(h, () =>
      h.users.updateUser(
        {
          tenantId: t.tenantId,
          user: { id, title: "Overridden" },
          updateMask: { paths: ["title"] },
          overrideScimLock: true,
        },
        t.admin,
      ),
    );
    expect(statements).toHaveLength(2);
    expect((await auditsOf(id)).slice(1).map((a) => [a.action, a.before, a.after])).toEqual([
      ["user.scim_lock_overridden", { title: null }, { fields: ["title"] }],
      ["user.updated", { title: null }, { title: "Overridden" }],
    ]);
  });

  it("R2 R22: a write that commits between an update's read and its write sends the update down the locked path, which keeps both changes and audits the update once", async () => {
    const id = await t.scimUser();
    const before = await storedUser(id);
    const other = await h.db.connect();
    let statements: string[] = [];
    try {
      await other.query("begin");
      await other.query(
        "update identity.app_user set display_name = 'Meanwhile', version = version + 1 where id = $1",
        [id],
      );
      // The update reads the committed row (no lock), then its guarded write waits on this one.
      const counted = statementsOf(h, () => update({ id, title: "Racing" }, ["title"]));
      await lockWaiters(h.db, 1);
      await other.query("commit");
      statements = await counted;
    } finally {
      other.release();
    }
    // read, guarded write (finds the row moved), then begin, lock, write, commit.
    expect(statements).toHaveLength(6);
    expect([statements[2], statements[5]]).toEqual(["begin", "commit"]);
    expect(await storedUser(id)).toMatchObject({
      title: "Racing",
      display_name: "Meanwhile",
      version: before?.version + 2,
    });
    expect((await auditsOf(id)).map(({ action, before, after }) => ({ action, before, after }))).toEqual([
      { action: "user.created", before: null, after: expect.anything() },
      { action: "user.updated", before: { title: null }, after: { title: "Racing" } },
    ]);
    expect(await changesOf(id)).toEqual([`USER_PROVISIONED:${id}:`, `USER_UPDATED:${id}:`]);
  });

  it("R21: a SCIM pause that commits between an IdP update's read and its write refuses the update; nothing is written", async () => {
    const tenant = await TenantKit.create(h);
    const id = await tenant.scimUser();
    const before = await storedUser(id);
    const support = await h.db.connect();
    try {
      // PauseScim's order: the tenant row FOR UPDATE, then the flag.
      await support.query("begin");
      await support.query("select 1 from identity.tenant where id = $1 for update", [tenant.tenantId]);
      await support.query("update identity.tenant set scim_paused_at = now() where id = $1", [
        tenant.tenantId,
      ]);
      const refused = rejection(
        h.users.updateUser(
          { tenantId: tenant.tenantId, user: { id, title: "Paused" }, updateMask: { paths: ["title"] } },
          tenant.scim,
        ),
      );
      await lockWaiters(h.db, 1);
      await support.query("commit");
      expectError(await refused, Code.Unavailable, "SCIM_PAUSED");
    } finally {
      support.release();
    }
    expect(await storedUser(id)).toEqual(before);
    expect(await changesOf(id)).toEqual([`USER_PROVISIONED:${id}:`]);
  });

  it("R4: an IdP deactivation of a young IdP user is 4 statements; the one write leaves accounts and manual memberships, turns SCIM ones dormant, owes the seat's release, audits and notifies", async () => {
    const id = await t.scimUser();
    const seat = (await storedUser(id))?.seat_id as string;
    const scimGroup = await t.scimGroup([id]);
    const manualGroup = await t.manualGroup([id]);
    const statements = await statementsOf(h, () => update({ id, active: false }, ["active"]));
    const { transaction, after } = transactionOf(statements);
    expect(transaction).toHaveLength(4);
    expect(onlySeatRelease(after)).toBe(true);

    expect(await storedUser(id)).toMatchObject({
      state: "DEPROVISIONED",
      active: false,
      deprovision_reason: "INACTIVE",
      seat_id: null,
      deprovisioned: true,
    });
    expect(await accountsOf(h.db, id)).toEqual([]);
    expect(await membershipsOf(h.db, id)).toEqual([`${scimGroup.id}:SCIM:DORMANT`]);
    expect(await releasesOf(id)).toEqual([seat]);
    expect(await brakeCountOf(id)).toBe(0);
    expect((await auditsOf(id)).slice(1).map((a) => [a.action, a.before, a.after])).toEqual([
      [
        "user.deprovisioned",
        { state: "PROVISIONED" },
        { state: "DEPROVISIONED", active: false, reason: "INACTIVE" },
      ],
      [
        "user.updated",
        { active: true, state: "PROVISIONED", deprovisionReason: null },
        { active: false, state: "DEPROVISIONED", deprovisionReason: "INACTIVE" },
      ],
    ]);
    const changes = await changesOf(id, [manualGroup.id]);
    expect(changes.slice(-3)).toEqual([
      `USER_DEPROVISIONED:${id}:`,
      `MEMBERSHIP_CHANGED::${manualGroup.id}`,
      `USER_UPDATED:${id}:`,
    ]);
  });

  it("R4 (ADR 0012): an IdP deactivation of an established user is 5 statements — the lock takes the brake's lock, one read decides, and the write counts it", async () => {
    const id = await t.manualUser();
    const statements = await statementsOf(h, () => update({ id, active: false }, ["active"]));
    const { transaction } = transactionOf(statements);
    expect(transaction).toHaveLength(5);
    expect(transaction[1]).toContain("pg_advisory_xact_lock");
    expect(await storedUser(id)).toMatchObject({ managed_by: "SCIM", state: "DEPROVISIONED" });
    expect(await brakeCountOf(id)).toBe(1);
    expect((await auditsOf(id)).slice(1).map((a) => a.action)).toEqual([
      "user.adopted",
      "user.deprovisioned",
      "user.updated",
    ]);
  });

  it("R4 R9: a re-activation is 5 statements — lock, drop owed releases before the seat is taken, one write that wakes SCIM memberships and restores accounts", async () => {
    const id = await t.scimUser();
    const scimGroup = await t.scimGroup([id]);
    await update({ id, active: false }, ["active"]);
    expect(await releasesOf(id)).toHaveLength(1);
    const statements = await statementsOf(h, () => update({ id, active: true }, ["active"]));
    expect(statements).toHaveLength(5);
    expect(statements[2]).toContain("delete from identity.seat_release");

    const stored = await storedUser(id);
    expect(stored).toMatchObject({ state: "PROVISIONED", active: true, deprovision_reason: null });
    expect(stored?.seat_id).toBeTruthy();
    expect(await releasesOf(id)).toEqual([]);
    expect(await accountsOf(h.db, id)).toEqual([t.mainAccountId]);
    expect(await membershipsOf(h.db, id)).toEqual([`${scimGroup.id}:SCIM:ACTIVE`]);
    expect((await auditsOf(id)).slice(-2).map((a) => [a.action, a.before, a.after])).toEqual([
      ["user.reprovisioned", { state: "DEPROVISIONED" }, { state: "PROVISIONED", active: true }],
      [
        "user.updated",
        { active: false, state: "DEPROVISIONED", deprovisionReason: "INACTIVE" },
        { active: true, state: "PROVISIONED", deprovisionReason: null },
      ],
    ]);
    expect((await changesOf(id)).slice(-2)).toEqual([`USER_PROVISIONED:${id}:`, `USER_UPDATED:${id}:`]);
  });

  it("R5: an IdP delete is 4 statements; the one write removes the row and its memberships, owes the seat's release, audits and notifies", async () => {
    const id = await t.scimUser();
    const seat = (await storedUser(id))?.seat_id as string;
    const scimGroup = await t.scimGroup([id]);
    const manualGroup = await t.manualGroup([id]);
    const statements = await statementsOf(h, () =>
      h.users.deleteUser({ tenantId: t.tenantId, userId: id }, t.scim),
    );
    const { transaction, after } = transactionOf(statements);
    expect(transaction).toHaveLength(4);
    expect(onlySeatRelease(after)).toBe(true);

    expect(await storedUser(id)).toBeUndefined();
    expect(await accountsOf(h.db, id)).toEqual([]);
    expect(await membershipsOf(h.db, id)).toEqual([]);
    expect(await releasesOf(id)).toEqual([seat]);
    const audits = await auditsOf(id);
    expect(audits.slice(1).map((a) => a.action)).toEqual(["user.deprovisioned", "user.deleted"]);
    expect(audits.at(-1)?.before).toMatchObject({ state: "PROVISIONED", managedBy: "SCIM" });
    const [first, second] = [scimGroup.id, manualGroup.id].sort();
    expect((await changesOf(id, [scimGroup.id, manualGroup.id])).slice(-4)).toEqual([
      `USER_DEPROVISIONED:${id}:`,
      `MEMBERSHIP_CHANGED::${first}`,
      `MEMBERSHIP_CHANGED::${second}`,
      `USER_DELETED:${id}:`,
    ]);
    // R25: the SCIM group's member list changed, so its ETag does too.
    const { group } = await h.groups.getGroup({ tenantId: t.tenantId, groupId: scimGroup.id }, t.scim);
    expect(group?.etag).not.toBe(scimGroup.etag);
  });

  it("R5: deleting a deprovisioned user is 4 statements and records no second deprovisioning", async () => {
    const id = await t.scimUser();
    const group = await t.scimGroup([id]);
    await update({ id, active: false }, ["active"]);
    const statements = await statementsOf(h, () =>
      h.users.deleteUser({ tenantId: t.tenantId, userId: id }, t.admin),
    );
    expect(statements).toHaveLength(4);
    expect((await auditsOf(id)).map((a) => a.action)).toEqual([
      "user.created",
      "user.deprovisioned",
      "user.updated",
      "user.deleted",
    ]);
    // Its dormant SCIM membership goes with it: the group learns of it (R4, R22b).
    expect((await changesOf(id, [group.id])).slice(-2)).toEqual([
      `MEMBERSHIP_CHANGED::${group.id}`,
      `USER_DELETED:${id}:`,
    ]);
  });
});
