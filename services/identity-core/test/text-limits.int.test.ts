import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { FilterOperator, GroupService, UserField } from "@cosafe/proto/identity";
import { textLimits } from "@cosafe/proto/limits";
import { createServiceTransport, reasonOf } from "@cosafe/rpc";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminActor,
  as,
  type CoreHarness,
  scimActor,
  startCoreHarness,
  testCredential,
} from "./support/core-harness.js";

/**
 * Issue 15: identity-core itself refuses text it must not store (the admin panel calls it
 * directly): INVALID_ARGUMENT with TEXT_TOO_LONG / TEXT_CONTROL_CHARACTER and the field,
 * nothing stored; and filter values PostgreSQL cannot take are FILTER_INVALID, never INTERNAL.
 */
let h: CoreHarness;
let tenantId: string;
let db: pg.Pool;
let groups: ReturnType<typeof createClient<typeof GroupService>>;

beforeAll(async () => {
  h = await startCoreHarness();
  tenantId = await h.newTenant();
  db = new pg.Pool({ connectionString: h.database.url, max: 2 });
  groups = createClient(GroupService, createServiceTransport({ baseUrl: h.url, credential: testCredential }));
});

afterAll(async () => {
  await db?.end();
  await h?.close();
});

async function refusal(promise: Promise<unknown>): Promise<{ code: Code; reason?: string; field?: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  const connect = error as ConnectError;
  return { code: connect.code, reason: reasonOf(connect) };
}

const count = async (table: string) =>
  (await db.query(`select count(*)::int as n from identity.${table}`)).rows[0].n as number;

const long = (n: number) => "x".repeat(n);

describe("stored text limits (docs/adr/0018)", () => {
  it("R1/R2: a userName, displayName or externalId over 256 characters, or a title over 1,024, is INVALID_ARGUMENT TEXT_TOO_LONG and stores nothing", async () => {
    const before = await count("app_user");
    const scim = as(scimActor(tenantId));
    for (const user of [
      { userName: long(textLimits.short + 1) },
      { userName: "ok-1", displayName: long(textLimits.short + 1) },
      { userName: "ok-2", externalId: long(textLimits.short + 1) },
      { userName: "ok-3", title: long(textLimits.long + 1) },
      { userName: "ok-4", name: { givenName: long(textLimits.long + 1) } },
      { userName: "ok-5", emails: [{ value: long(textLimits.long + 1) }] },
      { userName: "ok-6", phoneNumbers: [{ value: "+1", type: long(textLimits.long + 1) }] },
    ]) {
      expect(await refusal(h.users.createUser({ tenantId, user }, scim))).toMatchObject({
        code: Code.InvalidArgument,
        reason: "TEXT_TOO_LONG",
      });
    }
    expect(await count("app_user")).toBe(before);
    // Exactly at the limit is fine.
    const { user } = await h.users.createUser(
      { tenantId, user: { userName: long(textLimits.short), title: long(textLimits.long) } },
      scim,
    );
    expect(user?.userName).toHaveLength(textLimits.short);
  });

  it("R2: NUL or another control character in any stored string is INVALID_ARGUMENT TEXT_CONTROL_CHARACTER", async () => {
    const before = await count("app_user");
    for (const user of [
      { userName: "nul\u0000name" },
      { userName: "ok-7", title: "line\nbreak" },
      { userName: "ok-8", emails: [{ value: "a\u0007@example.com" }] },
      { userName: "ok-9", name: { familyName: "del\u007f" } },
    ]) {
      expect(await refusal(h.users.createUser({ tenantId, user }, as(adminActor(tenantId))))).toMatchObject({
        code: Code.InvalidArgument,
        reason: "TEXT_CONTROL_CHARACTER",
      });
    }
    expect(await count("app_user")).toBe(before);
  });

  it("R2: an update is checked for the fields its mask names and changes nothing when refused", async () => {
    const scim = as(scimActor(tenantId));
    const { user } = await h.users.createUser(
      { tenantId, user: { userName: "limit-update", title: "t1" } },
      scim,
    );
    const id = user?.id ?? "";
    expect(
      await refusal(
        h.users.updateUser(
          {
            tenantId,
            user: { id, userName: "limit-update", title: long(2000) },
            updateMask: { paths: ["title"] },
          },
          scim,
        ),
      ),
    ).toMatchObject({ code: Code.InvalidArgument, reason: "TEXT_TOO_LONG" });
    expect(
      await refusal(
        h.users.updateUser(
          { tenantId, user: { id, userName: "a\u0000" }, updateMask: { paths: ["*"] } },
          scim,
        ),
      ),
    ).toMatchObject({ code: Code.InvalidArgument, reason: "TEXT_CONTROL_CHARACTER" });
    const { user: after } = await h.users.getUser({ tenantId, userId: id }, scim);
    expect(after).toMatchObject({ userName: "limit-update", title: "t1", etag: user?.etag });
  });

  it("R13/R14: a group displayName or externalId over 256 characters or with a control character is refused", async () => {
    const scim = as(scimActor(tenantId));
    const before = await count("app_group");
    for (const group of [
      { displayName: long(textLimits.short + 1) },
      { externalId: long(textLimits.short + 1) },
      { displayName: "tab\tname" },
    ]) {
      const { reason } = await refusal(groups.createGroup({ tenantId, group }, scim));
      expect(["TEXT_TOO_LONG", "TEXT_CONTROL_CHARACTER"]).toContain(reason);
    }
    expect(await count("app_group")).toBe(before);
    const { group } = await groups.createGroup({ tenantId, group: { displayName: "limit-group" } }, scim);
    expect(
      await refusal(
        groups.updateGroup(
          {
            tenantId,
            group: { id: group?.id ?? "", displayName: long(300) },
            updateMask: { paths: ["display_name"] },
          },
          scim,
        ),
      ),
    ).toMatchObject({ code: Code.InvalidArgument, reason: "TEXT_TOO_LONG" });
  });

  it("R23: a filter value with NUL or a date-time outside the years 1–9999 is FILTER_INVALID, not INTERNAL", async () => {
    const scim = as(scimActor(tenantId));
    const condition = (field: UserField, operator: FilterOperator, value: object) => ({
      expression: { case: "condition" as const, value: { field, operator, value: { kind: value } } },
    });
    const nul = condition(UserField.USER_NAME, FilterOperator.EQUAL, {
      case: "stringValue",
      value: "a\u0000",
    });
    expect(await refusal(h.users.listUsers({ tenantId, filter: nul as never }, scim))).toMatchObject({
      code: Code.InvalidArgument,
      reason: "FILTER_INVALID",
    });
    for (const iso of ["0000-01-01T00:00:00Z", "+010000-01-01T00:00:00Z", "-000001-06-01T00:00:00Z"]) {
      const time = condition(UserField.CREATE_TIME, FilterOperator.GREATER_THAN, {
        case: "timestampValue",
        value: timestampFromDate(new Date(iso)),
      });
      expect(await refusal(h.users.listUsers({ tenantId, filter: time as never }, scim))).toMatchObject({
        code: Code.InvalidArgument,
        reason: "FILTER_INVALID",
      });
    }
  });
});
