import { randomUUID } from "node:crypto";
import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { ImportService } from "@cosafe/proto/identity";
import { createServiceTransport, reasonOf } from "@cosafe/rpc";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeatAuthority } from "../src/domain/seats.js";
import {
  adminActor,
  as,
  type CoreHarness,
  startCoreHarness,
  supportActor,
  testCredential,
} from "./support/core-harness.js";

/** A ledger that records what it hands out and gets back (seats keyed by user, as licensing does). */
class RecordingSeats implements SeatAuthority {
  readonly allocateBudgetMs = 1000;
  held = new Map<string, string>();
  allocations = 0;
  async allocate(_tenantId: string, userId: string): Promise<string> {
    this.allocations++;
    const seat = this.held.get(userId) ?? randomUUID();
    this.held.set(userId, seat);
    return seat;
  }
  async release(_tenantId: string, userId: string | null, seatId: string | null): Promise<void> {
    for (const [user, seat] of this.held)
      if (seat === seatId || (!seatId && user === userId)) this.held.delete(user);
  }
}

let h: CoreHarness;
let seats: RecordingSeats;
let imports: Client<typeof ImportService>;
let db: pg.Pool;

beforeAll(async () => {
  seats = new RecordingSeats();
  h = await startCoreHarness({ seats });
  imports = createClient(
    ImportService,
    createServiceTransport({ baseUrl: h.url, credential: testCredential }),
  );
  db = new pg.Pool({ connectionString: h.database.url, max: 2 });
});

afterAll(async () => {
  await db?.end();
  await h?.close();
});

const support = as(supportActor);

async function rejection(promise: Promise<unknown>): Promise<ConnectError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

async function count(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from ${sql}`, params);
  return rows[0]?.n ?? 0;
}

function data() {
  const account = randomUUID();
  const users = [0, 1, 2].map((i) => ({
    id: randomUUID(),
    userName: `user${i}-${randomUUID()}@import.test`,
  }));
  const group = randomUUID();
  return {
    accounts: [{ id: account, displayName: "Rescue team" }],
    users: users.map((u) => ({ ...u, accountIds: [account], name: { givenName: "Ann", familyName: "Lee" } })),
    groups: [{ id: group, displayName: "Night shift", accountId: account }],
    memberships: users.map((u) => ({ groupId: group, userId: u.id })),
  };
}

describe("issue 7: ImportService", () => {
  it("imports with the given ids as MANUAL, takes seats, and a second run changes nothing", async () => {
    const tenantId = await h.newTenant();
    const input = data();
    const first = await imports.importBatch({ tenantId, ...input }, support);
    expect(first.users).toMatchObject({ created: 3, unchanged: 0 });
    expect(first.accounts).toMatchObject({ created: 1, unchanged: 0 });
    expect(first.groups).toMatchObject({ created: 1, unchanged: 0 });
    expect(first.memberships).toMatchObject({ created: 3, unchanged: 0 });
    expect(first.accountMemberships).toMatchObject({ created: 3, unchanged: 0 });
    expect(first.seatsTaken).toBe(3);
    const { rows } = await db.query(
      "select id, managed_by, state, display_name, seat_id from identity.app_user where tenant_id = $1 order by user_name",
      [tenantId],
    );
    expect(rows.map((r) => r.id).sort()).toEqual(input.users.map((u) => u.id).sort());
    expect(rows.every((r) => r.managed_by === "MANUAL" && r.state === "PROVISIONED" && r.seat_id)).toBe(true);
    expect(rows[0]?.display_name).toBe("Ann Lee");
    const groups = await db.query("select scim_linked, account_id from identity.app_group where id = $1", [
      input.groups[0]?.id,
    ]);
    expect(groups.rows[0]).toMatchObject({ scim_linked: false, account_id: input.accounts[0]?.id });
    const events = await count("identity.change_event where tenant_id = $1", [tenantId]);
    const audits = await count(
      "identity.audit_event where tenant_id = $1 and action = 'import.batch_applied'",
      [tenantId],
    );
    expect(audits).toBe(1);

    const second = await imports.importBatch({ tenantId, ...input }, support);
    expect(second.users).toMatchObject({ created: 0, unchanged: 3 });
    expect(second.accounts).toMatchObject({ created: 0, unchanged: 1 });
    expect(second.groups).toMatchObject({ created: 0, unchanged: 1 });
    expect(second.memberships).toMatchObject({ created: 0, unchanged: 3 });
    expect(second.seatsTaken).toBe(0);
    expect(await count("identity.change_event where tenant_id = $1", [tenantId])).toBe(events);
    expect(await count("identity.audit_event where tenant_id = $1", [tenantId])).toBeGreaterThan(0);
    expect(
      await count("identity.audit_event where tenant_id = $1 and action = 'import.batch_applied'", [
        tenantId,
      ]),
    ).toBe(1);
    for (const u of input.users) expect(seats.held.has(u.id)).toBe(true);
  });

  it("a failing batch leaves nothing behind and gives its seats back", async () => {
    const tenantId = await h.newTenant();
    const input = data();
    const unknownGroup = randomUUID();
    const error = await rejection(
      imports.importBatch(
        {
          tenantId,
          ...input,
          memberships: [...input.memberships, { groupId: unknownGroup, userId: input.users[0]?.id ?? "" }],
        },
        support,
      ),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(reasonOf(error)).toBe("IMPORT_REFERENCE_UNKNOWN");
    expect(error.rawMessage).toContain(unknownGroup);
    expect(await count("identity.app_user where tenant_id = $1", [tenantId])).toBe(0);
    expect(await count("identity.account where id = $1", [input.accounts[0]?.id])).toBe(0);
    expect(await count("identity.app_group where tenant_id = $1", [tenantId])).toBe(0);
    expect(await count("identity.change_event where tenant_id = $1", [tenantId])).toBe(0);
    expect(
      await count("identity.audit_event where tenant_id = $1 and action like 'import.%'", [tenantId]),
    ).toBe(0);
    for (const u of input.users) expect(seats.held.has(u.id)).toBe(false);
  });

  it("plans: counts new and existing, reports conflicts, and refuses a conflicting batch before writing", async () => {
    const tenantId = await h.newTenant();
    const input = data();
    await imports.importBatch({ tenantId, ...input }, support);
    const taken = input.users[0] as { id: string; userName: string };
    const renamed = input.users[1] as { id: string; userName: string };
    const fresh = { id: randomUUID(), userName: `fresh-${randomUUID()}@import.test` };
    const otherTenant = await h.newTenant("Other");
    const plan = await imports.planImport(
      {
        tenantId,
        accounts: input.accounts,
        users: [
          { id: randomUUID(), userName: taken.userName.toUpperCase() },
          { id: renamed.id, userName: "someone-else@import.test" },
          fresh,
        ],
        groups: input.groups,
      },
      support,
    );
    expect(plan).toMatchObject({
      accountsExisting: 1,
      accountsNew: 0,
      usersNew: 1,
      usersExisting: 0,
      groupsExisting: 1,
      seatsNeeded: 1,
      seatsMetered: false,
      conflictCount: 2,
      importable: false,
    });
    expect(plan.conflicts.map((c) => c.conflict).sort()).toEqual(["USER_NAME_MISMATCH", "USER_NAME_TAKEN"]);

    const error = await rejection(
      imports.importBatch(
        { tenantId: otherTenant, users: [fresh, { id: taken.id, userName: "x@y.test" }] },
        support,
      ),
    );
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(reasonOf(error)).toBe("IMPORT_CONFLICT");
    expect(await count("identity.app_user where id = $1", [fresh.id])).toBe(0);
  });

  it("needs the SUPPORT role", async () => {
    const tenantId = await h.newTenant();
    const error = await rejection(imports.planImport({ tenantId, users: [] }, as(adminActor(tenantId))));
    expect(error.code).toBe(Code.PermissionDenied);
  });
});
