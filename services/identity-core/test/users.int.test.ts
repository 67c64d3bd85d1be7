import { Code, ConnectError } from "@connectrpc/connect";
import { FilterOperator, ManagedBy, UserField, UserState } from "@cosafe/proto/identity";
import { reasonOf } from "@cosafe/rpc";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminActor, as, type CoreHarness, scimActor, startCoreHarness } from "./support/core-harness.js";
import { userNameEq } from "./support/filters.js";

let h: CoreHarness;
let tenantId: string;
let db: pg.Pool;

beforeAll(async () => {
  h = await startCoreHarness();
  tenantId = await h.newTenant();
  db = new pg.Pool({ connectionString: h.database.url, max: 2 });
});

afterAll(async () => {
  await db?.end();
  await h?.close();
});

async function rejection(promise: Promise<unknown>): Promise<ConnectError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

describe("UserService", () => {
  it("R1: creating a user without userName is INVALID_ARGUMENT and stores nothing", async () => {
    const before = await db.query("select count(*)::int as n from identity.app_user");
    const error = await rejection(
      h.users.createUser({ tenantId, user: { displayName: "No Name" } }, as(scimActor(tenantId))),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(reasonOf(error)).toBe("USER_NAME_REQUIRED");
    const after = await db.query("select count(*)::int as n from identity.app_user");
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it("R1: userName is unique per tenant, case-insensitively (ALREADY_EXISTS USER_NAME_TAKEN)", async () => {
    await h.users.createUser({ tenantId, user: { userName: "Unique@Example.com" } }, as(scimActor(tenantId)));
    const error = await rejection(
      h.users.createUser({ tenantId, user: { userName: "unique@example.COM" } }, as(scimActor(tenantId))),
    );
    expect(error.code).toBe(Code.AlreadyExists);
    expect(reasonOf(error)).toBe("USER_NAME_TAKEN");
    const otherTenant = await h.newTenant("Other Co");
    const { user } = await h.users.createUser(
      { tenantId: otherTenant, user: { userName: "unique@example.com" } },
      as(scimActor(otherTenant)),
    );
    expect(user?.tenantId).toBe(otherTenant);
  });

  it("R1: a missing displayName is derived from name.formatted, then given+family name, then userName, with a notice", async () => {
    const create = (userName: string, name: Record<string, string>) =>
      h.users.createUser({ tenantId, user: { userName, name } }, as(scimActor(tenantId)));
    const formatted = await create("derive1@example.com", { formatted: "Barbara Jensen", givenName: "Babs" });
    expect(formatted.user?.displayName).toBe("Barbara Jensen");
    expect(formatted.notices.join()).toMatch(/name\.formatted/);
    const parts = await create("derive2@example.com", { givenName: "Barbara", familyName: "Jensen" });
    expect(parts.user?.displayName).toBe("Barbara Jensen");
    const fallback = await create("derive3@example.com", {});
    expect(fallback.user?.displayName).toBe("derive3@example.com");
    expect(fallback.notices.join()).toMatch(/userName/);
  });

  it("R3: a user created over SCIM is SCIM-managed, active at once and in the tenant's main account", async () => {
    const { user } = await h.users.createUser(
      { tenantId, user: { userName: "active@example.com", displayName: "Active" } },
      as(scimActor(tenantId)),
    );
    expect(user).toMatchObject({ active: true, managedBy: ManagedBy.SCIM, state: UserState.PROVISIONED });
    const { tenant } = await h.tenants.getTenant({ tenantId }, as(scimActor(tenantId)));
    const membership = await db.query(
      "select account_id from identity.account_membership where user_id = $1",
      [user?.id],
    );
    expect(membership.rows).toEqual([{ account_id: tenant?.mainAccountId }]);
  });

  it("R4: a create with active=false stores a deprovisioned user outside every account", async () => {
    const { user } = await h.users.createUser(
      { tenantId, user: { userName: "inactive@example.com", active: false } },
      as(scimActor(tenantId)),
    );
    expect(user).toMatchObject({ active: false, state: UserState.DEPROVISIONED });
    const membership = await db.query("select 1 from identity.account_membership where user_id = $1", [
      user?.id,
    ]);
    expect(membership.rowCount).toBe(0);
  });

  it("R12: a user created by an administrator is MANUAL", async () => {
    const { user } = await h.users.createUser(
      { tenantId, user: { userName: "manual@example.com" } },
      as(adminActor(tenantId)),
    );
    expect(user?.managedBy).toBe(ManagedBy.MANUAL);
  });

  it("R2: stored attributes read back exactly as sent, with an E.164 copy of phone numbers", async () => {
    const sent = {
      userName: "roundtrip@example.com",
      displayName: "Round Trip",
      externalId: "ext-RT-1",
      title: "Crisis Lead",
      name: { formatted: "Round Trip", givenName: "Round", familyName: "Trip" },
      emails: [{ value: "roundtrip@example.com", type: "work", primary: true }],
      phoneNumbers: [
        { value: "+46 (70) 123-45 67", type: "mobile", primary: true },
        { value: "ext. 42", type: "work", primary: false },
      ],
    };
    const created = await h.users.createUser({ tenantId, user: sent }, as(scimActor(tenantId)));
    expect(created.notices.join()).toMatch(/ext\. 42/);
    const { user } = await h.users.getUser(
      { tenantId, userId: created.user?.id ?? "" },
      as(scimActor(tenantId)),
    );
    expect(user).toMatchObject({ ...sent, name: sent.name });
    expect(user?.phoneNumbers.map((p) => [p.value, p.e164])).toEqual([
      ["+46 (70) 123-45 67", "+46701234567"],
      ["ext. 42", ""],
    ]);
    expect(user?.etag).toBe("1");
  });

  it("R22: a create writes its audit event in the same transaction, with actor and request id", async () => {
    const { user } = await h.users.createUser(
      { tenantId, user: { userName: "audited@example.com" } },
      { headers: { ...as(scimActor(tenantId)).headers, "x-request-id": "req-audit-1" } },
    );
    const { events } = await h.audit.listAuditEvents(
      { tenantId, targetId: user?.id },
      as(adminActor(tenantId)),
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "user.created", targetType: "user", requestId: "req-audit-1" });
    expect(events[0]?.after?.userName).toBe("audited@example.com");
    expect(events[0]?.actor?.id).toBe(scimActor(tenantId).id);
  });

  it("R1: twenty parallel creates of one userName give exactly one user", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        h.users.createUser({ tenantId, user: { userName: "race@example.com" } }, as(scimActor(tenantId))),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) {
      if (r.status === "rejected") expect((r.reason as ConnectError).code).toBe(Code.AlreadyExists);
    }
    const stored = await db.query(
      "select count(*)::int as n from identity.app_user where lower(user_name) = 'race@example.com'",
    );
    expect(stored.rows[0].n).toBe(1);
  });

  it("reads a user by id; unknown and malformed ids are NOT_FOUND", async () => {
    const missing = await rejection(
      h.users.getUser({ tenantId, userId: "6f1c1d7e-1111-4111-8111-111111111111" }, as(scimActor(tenantId))),
    );
    expect(missing.code).toBe(Code.NotFound);
    const malformed = await rejection(
      h.users.getUser({ tenantId, userId: "not-a-uuid" }, as(scimActor(tenantId))),
    );
    expect(malformed.code).toBe(Code.NotFound);
  });

  it("R21: another tenant's user answers NOT_FOUND, exactly like a missing one", async () => {
    const otherTenant = await h.newTenant("Elsewhere Inc");
    const { user } = await h.users.createUser(
      { tenantId: otherTenant, user: { userName: "hidden@x.com" } },
      as(scimActor(otherTenant)),
    );
    const viaOwnTenant = await rejection(
      h.users.getUser({ tenantId, userId: user?.id ?? "" }, as(scimActor(tenantId))),
    );
    expect(viaOwnTenant.code).toBe(Code.NotFound);
    const viaOtherTenantId = await rejection(
      h.users.getUser({ tenantId: otherTenant, userId: user?.id ?? "" }, as(scimActor(tenantId))),
    );
    expect(viaOtherTenantId.code).toBe(Code.NotFound);
  });
});

describe("UserService.ListUsers", () => {
  let listTenant: string;

  beforeAll(async () => {
    listTenant = await h.newTenant("Listing Ltd");
    const people = [
      {
        userName: "alice@list.test",
        displayName: "Alice",
        emails: [{ value: "alice@work.test", type: "work" }],
      },
      { userName: "bob@list.test", displayName: "Bob", emails: [{ value: "bob@home.test", type: "home" }] },
      { userName: "carol@list.test", displayName: "Carol", externalId: "EXT-carol", title: "CFO" },
    ];
    for (const user of people)
      await h.users.createUser({ tenantId: listTenant, user }, as(scimActor(listTenant)));
  });

  it("filters by userName eq case-insensitively with an exact total", async () => {
    const res = await h.users.listUsers(
      { tenantId: listTenant, filter: userNameEq("ALICE@list.test"), pageSize: 10 },
      as(scimActor(listTenant)),
    );
    expect(res.totalSize).toBe(1);
    expect(res.users.map((u) => u.userName)).toEqual(["alice@list.test"]);
  });

  it("an unknown userName gives an empty page (the Entra connection test)", async () => {
    const res = await h.users.listUsers(
      { tenantId: listTenant, filter: userNameEq("8f0e2b1c-random@x"), pageSize: 100 },
      as(scimActor(listTenant)),
    );
    expect(res).toMatchObject({ totalSize: 0, users: [] });
  });

  it("combines and/or/not and element filters in SQL", async () => {
    const emailsOfType = (type: string, valueContains: string) => ({
      expression: {
        case: "element" as const,
        value: {
          attribute: UserField.EMAIL_VALUE,
          filter: {
            expression: {
              case: "and" as const,
              value: {
                filters: [
                  {
                    expression: {
                      case: "condition" as const,
                      value: {
                        field: UserField.EMAIL_TYPE,
                        operator: FilterOperator.EQUAL,
                        value: { kind: { case: "stringValue" as const, value: type } },
                      },
                    },
                  },
                  {
                    expression: {
                      case: "condition" as const,
                      value: {
                        field: UserField.EMAIL_VALUE,
                        operator: FilterOperator.CONTAINS,
                        value: { kind: { case: "stringValue" as const, value: valueContains } },
                      },
                    },
                  },
                ],
              },
            },
          },
        },
      },
    });
    const work = await h.users.listUsers(
      { tenantId: listTenant, filter: emailsOfType("work", "@WORK."), pageSize: 10 },
      as(scimActor(listTenant)),
    );
    expect(work.users.map((u) => u.userName)).toEqual(["alice@list.test"]);
    const notAlice = await h.users.listUsers(
      {
        tenantId: listTenant,
        filter: { expression: { case: "not", value: userNameEq("alice@list.test") } },
        pageSize: 10,
      },
      as(scimActor(listTenant)),
    );
    expect(notAlice.users.map((u) => u.userName).sort()).toEqual(["bob@list.test", "carol@list.test"]);
  });

  it("externalId compares case-exactly", async () => {
    const filter = (value: string) => ({
      expression: {
        case: "condition" as const,
        value: {
          field: UserField.EXTERNAL_ID,
          operator: FilterOperator.EQUAL,
          value: { kind: { case: "stringValue" as const, value } },
        },
      },
    });
    const exact = await h.users.listUsers(
      { tenantId: listTenant, filter: filter("EXT-carol"), pageSize: 10 },
      as(scimActor(listTenant)),
    );
    const wrongCase = await h.users.listUsers(
      { tenantId: listTenant, filter: filter("ext-carol"), pageSize: 10 },
      as(scimActor(listTenant)),
    );
    expect([exact.totalSize, wrongCase.totalSize]).toEqual([1, 0]);
  });

  it("pages with skip and page tokens; page_size 0 returns only the total", async () => {
    const first = await h.users.listUsers({ tenantId: listTenant, pageSize: 2 }, as(scimActor(listTenant)));
    expect(first.users).toHaveLength(2);
    expect(first.totalSize).toBe(3);
    const second = await h.users.listUsers(
      { tenantId: listTenant, pageSize: 2, pageToken: first.nextPageToken },
      as(scimActor(listTenant)),
    );
    expect(second.users.map((u) => u.userName)).toEqual(["carol@list.test"]);
    expect(second.nextPageToken).toBe("");
    const skipped = await h.users.listUsers(
      { tenantId: listTenant, pageSize: 5, skip: 2 },
      as(scimActor(listTenant)),
    );
    expect(skipped.users.map((u) => u.userName)).toEqual(["carol@list.test"]);
    const countOnly = await h.users.listUsers(
      { tenantId: listTenant, pageSize: 0 },
      as(scimActor(listTenant)),
    );
    expect(countOnly).toMatchObject({ users: [], totalSize: 3 });
  });

  it("a filter on a field outside the allowlist is INVALID_ARGUMENT FILTER_INVALID", async () => {
    const error = await rejection(
      h.users.listUsers(
        {
          tenantId: listTenant,
          filter: {
            expression: {
              case: "condition",
              value: {
                field: UserField.GROUP_ID,
                operator: FilterOperator.GREATER_THAN,
                value: { kind: { case: "boolValue", value: true } },
              },
            },
          },
        },
        as(scimActor(listTenant)),
      ),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(reasonOf(error)).toBe("FILTER_INVALID");
  });

  it("a forged page token is INVALID_ARGUMENT", async () => {
    const error = await rejection(
      h.users.listUsers({ tenantId: listTenant, pageSize: 2, pageToken: "%%%" }, as(scimActor(listTenant))),
    );
    expect(reasonOf(error)).toBe("PAGE_TOKEN_INVALID");
  });
});
