import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type GroupHarness,
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
let h: GroupHarness;
let t: TenantKit;

beforeAll(async () => {
  h = await startGroupHarness();
  t = await TenantKit.create(h);
});
afterAll(async () => h.close());

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
});
