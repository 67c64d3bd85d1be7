import { Code } from "@connectrpc/connect";
import { reasonOf } from "@cosafe/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminActor, as, scimActor } from "./support/core-harness.js";
import {
  auditActions,
  auditCount,
  rejection,
  startUserHarness,
  type UserHarness,
  userRow,
} from "./support/user-harness.js";

let h: UserHarness;
let tenantId: string;
let counter = 0;

beforeAll(async () => {
  h = await startUserHarness();
  tenantId = await h.newTenant("Audit AB");
});

afterAll(() => h?.close());

const scim = () => as(scimActor(tenantId));
const admin = () => as(adminActor(tenantId));
const unique = (prefix: string) => `${prefix}-${++counter}@audit.test`;
const withRequestId = (options: ReturnType<typeof scim>, requestId: string) => ({
  headers: { ...options.headers, "x-request-id": requestId },
});

/** The transaction that last wrote the user's row, and that wrote its newest audit event of `action`. */
async function writers(userId: string, action: string) {
  const user = await h.db.query("select xmin::text as xid from identity.app_user where id = $1", [userId]);
  const audit = await h.db.query(
    "select xmin::text as xid, request_id from identity.audit_event where target_id = $1 and action = $2 order by id desc limit 1",
    [userId, action],
  );
  return {
    user: user.rows[0]?.xid as string,
    audit: audit.rows[0]?.xid as string,
    requestId: audit.rows[0]?.request_id,
  };
}

/** Makes every insert of an audit event about `targetId` (or with after.userName = `userName`) fail. */
async function poisonAudit(marker: string) {
  await h.db.query(`
    create or replace function identity.test_poison_audit() returns trigger language plpgsql as $$
    begin
      if new.target_id = '${marker}' or new.after ->> 'userName' = '${marker}' then
        raise exception 'audit log unavailable (test)';
      end if;
      return new;
    end $$;
    drop trigger if exists test_poison_audit on identity.audit_event;
    create trigger test_poison_audit before insert on identity.audit_event
      for each row execute function identity.test_poison_audit();`);
}

async function curePoison() {
  await h.db.query("drop trigger if exists test_poison_audit on identity.audit_event");
}

describe("R22 audit log", () => {
  it("R22: every user mutation writes its audit event in the same transaction as the change", async () => {
    const { user } = await h.users.createUser(
      { tenantId, user: { userName: unique("tx"), emails: [{ value: "tx@audit.test" }] } },
      withRequestId(admin(), "req-create"),
    );
    const id = user?.id ?? "";
    const steps: [string, () => Promise<unknown>, string][] = [
      ["user.created", async () => undefined, "req-create"],
      [
        "user.updated",
        () =>
          h.users.updateUser(
            { tenantId, user: { id, title: "T" }, updateMask: { paths: ["title"] } },
            withRequestId(admin(), "req-update"),
          ),
        "req-update",
      ],
      [
        "user.deprovisioned",
        () =>
          h.users.updateUser(
            { tenantId, user: { id, active: false }, updateMask: { paths: ["active"] } },
            withRequestId(admin(), "req-deactivate"),
          ),
        "req-deactivate",
      ],
      [
        "user.reprovisioned",
        () =>
          h.users.updateUser(
            { tenantId, user: { id, active: true }, updateMask: { paths: ["active"] } },
            withRequestId(admin(), "req-reactivate"),
          ),
        "req-reactivate",
      ],
      [
        "user.adopted",
        () =>
          h.users.updateUser(
            { tenantId, user: { id, displayName: "Adopted" }, updateMask: { paths: ["display_name"] } },
            withRequestId(scim(), "req-adopt"),
          ),
        "req-adopt",
      ],
      [
        "user.scim_lock_overridden",
        () =>
          h.users.updateUser(
            {
              tenantId,
              user: { id, displayName: "Override" },
              updateMask: { paths: ["display_name"] },
              overrideScimLock: true,
            },
            withRequestId(admin(), "req-override"),
          ),
        "req-override",
      ],
    ];
    for (const [action, run, requestId] of steps) {
      await run();
      const written = await writers(id, action);
      expect(written.audit, action).toBeDefined();
      expect(written.audit, action).toBe(written.user);
      expect(written.requestId, action).toBe(requestId);
    }

    const invitation = await h.users.inviteUser({ tenantId, userId: id }, admin());
    const invited = await h.db.query(
      `select (select xmin::text from identity.invitation where id = $1) as invitation,
              (select xmin::text from identity.audit_event where target_id = $2 and action = 'user.invited') as audit`,
      [invitation.invitationId, id],
    );
    expect(invited.rows[0].audit).toBe(invited.rows[0].invitation);

    await h.users.deleteUser({ tenantId, userId: id }, admin());
    const deleted = await h.db.query(
      `select (select xmin::text from identity.change_event where user_id = $1::uuid and type = 'USER_DELETED') as change,
              (select xmin::text from identity.audit_event where target_id = $1::text and action = 'user.deleted') as audit`,
      [id],
    );
    expect(deleted.rows[0].audit).toBeTruthy();
    expect(deleted.rows[0].audit).toBe(deleted.rows[0].change);
  });

  it("R22: user.updated records before and after of the changed fields only, Cosafe's own attributes included", async () => {
    const { user } = await h.users.createUser(
      { tenantId, user: { userName: unique("diff"), title: "Before" } },
      admin(),
    );
    const id = user?.id ?? "";
    await h.users.updateUser(
      { tenantId, user: { id, title: "After", locale: "sv-SE" }, updateMask: { paths: ["title", "locale"] } },
      admin(),
    );
    const { rows } = await h.db.query(
      "select before, after from identity.audit_event where target_id = $1 and action = 'user.updated'",
      [id],
    );
    expect(rows).toEqual([
      { before: { title: "Before", locale: null }, after: { title: "After", locale: "sv-SE" } },
    ]);
  });

  it("R22: an update that changes nothing records no audit or change event and keeps the etag (IdPs repeat PATCH active=true and PUTs)", async () => {
    const sent = {
      userName: unique("repeat"),
      displayName: "Repeat",
      title: "Same",
      emails: [{ value: "repeat@audit.test", type: "work", primary: true }],
      phoneNumbers: [{ value: "+46 70 123 45 67", type: "mobile", primary: true }],
      name: { givenName: "Re", familyName: "Peat" },
    };
    const { user } = await h.users.createUser({ tenantId, user: sent }, scim());
    const id = user?.id ?? "";
    const changes = async () =>
      (
        await h.db.query("select count(*)::int as n from identity.change_event where user_id = $1::uuid", [
          id,
        ])
      ).rows[0].n as number;
    const changesBefore = await changes();
    const calls = [
      () =>
        h.users.updateUser(
          { tenantId, user: { id, active: true }, updateMask: { paths: ["active"] } },
          scim(),
        ),
      () => h.users.updateUser({ tenantId, user: { id, ...sent }, updateMask: { paths: ["*"] } }, scim()),
      () =>
        h.users.updateUser(
          { tenantId, user: { id, ...sent, active: true }, updateMask: { paths: ["*"] } },
          scim(),
        ),
      () =>
        h.users.updateUser(
          { tenantId, user: { id, locale: "" }, updateMask: { paths: ["locale"] } },
          admin(),
        ),
    ];
    for (const call of calls) {
      const { user: same } = await call();
      expect(same?.etag).toBe(user?.etag);
    }
    expect(await auditActions(h.db, id)).toEqual(["user.created"]);
    expect(await changes()).toBe(changesBefore);
    expect(await userRow(h.db, id)).toMatchObject({ version: Number(user?.etag) });
  });

  it("R22: when its audit event cannot be written, no change is stored", async () => {
    const { user } = await h.users.createUser({ tenantId, user: { userName: unique("poisoned") } }, admin());
    const id = user?.id ?? "";
    const before = await userRow(h.db, id);
    await poisonAudit(id);
    try {
      const update = await rejection(
        h.users.updateUser(
          { tenantId, user: { id, title: "Never" }, updateMask: { paths: ["title"] } },
          admin(),
        ),
      );
      expect(update.code).toBe(Code.Internal);
      const deactivate = await rejection(
        h.users.updateUser(
          { tenantId, user: { id, active: false }, updateMask: { paths: ["active"] } },
          admin(),
        ),
      );
      expect(deactivate.code).toBe(Code.Internal);
      await rejection(h.users.deleteUser({ tenantId, userId: id }, admin()));
      const { rows } = await h.db.query(
        "select count(*)::int as n from identity.account_membership where user_id = $1",
        [id],
      );
      expect(rows[0].n).toBe(1);
      expect(await userRow(h.db, id)).toEqual(before);
    } finally {
      await curePoison();
    }

    const userName = unique("never-created");
    await poisonAudit(userName);
    try {
      await rejection(h.users.createUser({ tenantId, user: { userName } }, scim()));
      const { rows } = await h.db.query(
        "select count(*)::int as n from identity.app_user where tenant_id = $1 and user_name = $2",
        [tenantId, userName],
      );
      expect(rows[0].n).toBe(0);
    } finally {
      await curePoison();
    }
    expect(await auditActions(h.db, id)).toEqual(["user.created"]);
  });

  it("R22: a failed user mutation leaves neither the change nor an audit event", async () => {
    const { user: taken } = await h.users.createUser(
      { tenantId, user: { userName: unique("taken") } },
      scim(),
    );
    const { user: scimUser } = await h.users.createUser(
      { tenantId, user: { userName: unique("scim") } },
      scim(),
    );
    const { user: manual } = await h.users.createUser(
      { tenantId, user: { userName: unique("manual") } },
      admin(),
    );
    const { user: inactive } = await h.users.createUser(
      { tenantId, user: { userName: unique("inactive"), active: false } },
      scim(),
    );
    const ids = [scimUser?.id ?? "", manual?.id ?? "", inactive?.id ?? ""];
    const rowsBefore = await Promise.all(ids.map((id) => userRow(h.db, id)));
    const auditBefore = await auditCount(h.db, tenantId);

    const failures: [string, () => Promise<unknown>][] = [
      [
        "USER_NAME_TAKEN",
        // An IdP rename of a manual user: adoption and rename roll back together.
        () =>
          h.users.updateUser(
            {
              tenantId,
              user: { id: manual?.id ?? "", userName: taken?.userName ?? "" },
              updateMask: { paths: ["user_name"] },
            },
            scim(),
          ),
      ],
      [
        "SCIM_MAPPED_ATTRIBUTE",
        () =>
          h.users.updateUser(
            { tenantId, user: { id: scimUser?.id ?? "", title: "Nope" }, updateMask: { paths: ["title"] } },
            admin(),
          ),
      ],
      [
        "ETAG_MISMATCH",
        () =>
          h.users.updateUser(
            {
              tenantId,
              user: { id: scimUser?.id ?? "", title: "Nope" },
              updateMask: { paths: ["title"] },
              etag: "999",
            },
            scim(),
          ),
      ],
      [
        "ETAG_MISMATCH",
        () => h.users.deleteUser({ tenantId, userId: manual?.id ?? "", etag: "999" }, scim()),
      ],
      ["USER_DEPROVISIONED", () => h.users.inviteUser({ tenantId, userId: inactive?.id ?? "" }, admin())],
      [
        "USER_NAME_TAKEN",
        () => h.users.createUser({ tenantId, user: { userName: taken?.userName ?? "" } }, scim()),
      ],
      [
        "USER_NAME_REQUIRED",
        () =>
          h.users.updateUser(
            { tenantId, user: { id: manual?.id ?? "", userName: "" }, updateMask: { paths: ["*"] } },
            scim(),
          ),
      ],
    ];
    for (const [reason, call] of failures) {
      const error = await rejection(call());
      expect(reasonOf(error)).toBe(reason);
    }

    expect(await auditCount(h.db, tenantId)).toBe(auditBefore);
    expect(await Promise.all(ids.map((id) => userRow(h.db, id)))).toEqual(rowsBefore);
    const { rows } = await h.db.query(
      "select count(*)::int as n from identity.invitation where tenant_id = $1",
      [tenantId],
    );
    expect(rows[0].n).toBe(0);
  });
});
