import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { createLogger } from "@cosafe/logging";
import {
  AccountService,
  AuditService,
  ChangeFeedService,
  type Group as GroupMessage,
  GroupService,
  TenantService,
  UserService,
} from "@cosafe/proto/identity";
import { createServiceTransport, reasonOf } from "@cosafe/rpc";
import type { TestDatabase } from "@cosafe/testing";
import pg from "pg";
import { expect } from "vitest";
import { type IdentityCore, startIdentityCore } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import type { SeatAuthority } from "../../src/domain/seats.js";
import {
  adminActor,
  as,
  identityTestDatabase,
  scimActor,
  supportActor,
  testCredential,
  testServiceRoles,
} from "./core-harness.js";

/**
 * A real identity-core on its own migrated database (like core-harness.ts), with clients for
 * groups, accounts and the change feed, a pg pool for asserting stored state, and a record of
 * every SQL statement the service sends (R25 counts statements, never times them).
 */
export interface GroupHarness {
  core: IdentityCore;
  database: TestDatabase;
  url: string;
  db: pg.Pool;
  tenants: Client<typeof TenantService>;
  users: Client<typeof UserService>;
  groups: Client<typeof GroupService>;
  accounts: Client<typeof AccountService>;
  feed: Client<typeof ChangeFeedService>;
  audit: Client<typeof AuditService>;
  /** Every statement identity-core sent to PostgreSQL since start, begin/commit included. */
  queries: string[];
  close(): Promise<void>;
}

export async function startGroupHarness(options: { seats?: SeatAuthority } = {}): Promise<GroupHarness> {
  const database = await identityTestDatabase();
  const config = loadConfig({
    DATABASE_URL: database.url,
    IDENTITY_CORE_PORT: "0",
    COSAFE_SERVICE_CREDENTIALS: `${testCredential.service}:${testCredential.secret}`,
    COSAFE_SERVICE_ROLES: testServiceRoles,
    IDENTITY_CORE_DB_POOL_MAX: "10",
    // Statement counts (R25) must not catch the seat-release drainer's look at its outbox.
    SEAT_RELEASE_DRAIN_INTERVAL_MS: "60000",
  });
  const queries: string[] = [];
  const core = await startIdentityCore(
    config,
    createLogger({ service: "identity-core", level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    { ...options, onQuery: (sql) => queries.push(sql) },
  );
  const url = `http://127.0.0.1:${core.server.port}`;
  const transport = createServiceTransport({ baseUrl: url, credential: testCredential });
  const db = new pg.Pool({ connectionString: database.url, max: 6 });
  return {
    core,
    database,
    url,
    db,
    tenants: createClient(TenantService, transport),
    users: createClient(UserService, transport),
    groups: createClient(GroupService, transport),
    accounts: createClient(AccountService, transport),
    feed: createClient(ChangeFeedService, transport),
    audit: createClient(AuditService, transport),
    queries,
    async close() {
      await db.end();
      await core.close();
      await database.drop();
    },
  };
}

/** The statements identity-core sends while `work` runs (nothing else may run meanwhile). */
export async function statementsOf<T>(h: GroupHarness, work: () => Promise<T>): Promise<string[]> {
  const start = h.queries.length;
  await work();
  return h.queries.slice(start);
}

/** The ConnectError a call fails with (fails the test when it succeeds). */
export async function rejection(promise: Promise<unknown>): Promise<ConnectError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

export function expectError(error: ConnectError, code: Code, reason: string): void {
  expect({ code: Code[error.code], reason: reasonOf(error) }).toEqual({ code: Code[code], reason });
}

let sequence = 0;
/** A name unique within the test run. */
export const unique = (prefix: string) => `${prefix}-${process.pid}-${++sequence}`;

type CallOptions = ReturnType<typeof as>;

/** Tenant-scoped helpers over the harness. */
export class TenantKit {
  readonly scim: CallOptions;
  readonly admin: CallOptions;
  readonly support = as(supportActor);

  constructor(
    readonly h: GroupHarness,
    readonly tenantId: string,
    readonly mainAccountId: string,
  ) {
    this.scim = as(scimActor(tenantId));
    this.admin = as(adminActor(tenantId));
  }

  static async create(h: GroupHarness, name = unique("Tenant")): Promise<TenantKit> {
    const { tenant } = await h.tenants.createTenant({ displayName: name }, as(supportActor));
    if (!tenant) throw new Error("no tenant returned");
    return new TenantKit(h, tenant.id, tenant.mainAccountId);
  }

  /** A user created by the identity provider (SCIM-managed, provisioned, in the default account). */
  async scimUser(userName = unique("scim-user")): Promise<string> {
    const { user } = await this.h.users.createUser(
      { tenantId: this.tenantId, user: { userName: `${userName}@example.com`, displayName: userName } },
      this.scim,
    );
    if (!user) throw new Error("no user returned");
    return user.id;
  }

  /** A user created in the admin panel (MANUAL). */
  async manualUser(userName = unique("manual-user")): Promise<string> {
    const { user } = await this.h.users.createUser(
      { tenantId: this.tenantId, user: { userName: `${userName}@example.com`, displayName: userName } },
      this.admin,
    );
    if (!user) throw new Error("no user returned");
    return user.id;
  }

  /** A group created by the identity provider (SCIM-linked). */
  async scimGroup(members: string[] = [], displayName = unique("IdP Group")): Promise<GroupMessage> {
    const { group } = await this.h.groups.createGroup(
      { tenantId: this.tenantId, group: { displayName }, memberUserIds: members },
      this.scim,
    );
    if (!group) throw new Error("no group returned");
    return group;
  }

  /** A group created in the admin panel (manual, not SCIM-linked). */
  async manualGroup(
    members: string[] = [],
    displayName = unique("Manual Group"),
    accountId = "",
  ): Promise<GroupMessage> {
    const { group } = await this.h.groups.createGroup(
      { tenantId: this.tenantId, group: { displayName, accountId }, memberUserIds: members },
      this.admin,
    );
    if (!group) throw new Error("no group returned");
    return group;
  }

  async subAccount(name = unique("Sub")): Promise<string> {
    const { account } = await this.h.accounts.createAccount(
      { tenantId: this.tenantId, parentAccountId: this.mainAccountId, displayName: name },
      this.admin,
    );
    if (!account) throw new Error("no account returned");
    return account.id;
  }

  async setDefaultAccount(accountId: string): Promise<void> {
    await this.h.tenants.updateTenant(
      {
        tenant: { id: this.tenantId, settings: { defaultAccountId: accountId } },
        updateMask: { paths: ["settings.default_account_id"] },
      },
      this.support,
    );
  }

  async setDeprovisionOnLastGroupRemoval(on: boolean): Promise<void> {
    await this.h.tenants.updateTenant(
      {
        tenant: { id: this.tenantId, settings: { deprovisionOnLastGroupRemoval: on } },
        updateMask: { paths: ["settings.deprovision_on_last_group_removal"] },
      },
      this.admin,
    );
  }

  /**
   * Inserts `count` provisioned users with ONE SQL statement (R25 seeding). Returns their ids
   * in id order.
   */
  async seedUsers(count: number, prefix = unique("seed"), managedBy: "SCIM" | "MANUAL" = "SCIM") {
    const { rows } = await this.h.db.query<{ id: string }>(
      `insert into identity.app_user (id, tenant_id, user_name, display_name, active, managed_by, state)
       select gen_random_uuid(), $1, $2 || '-' || i || '@example.com', $2 || ' ' || i, true, $3, 'PROVISIONED'
         from generate_series(1, $4::int) as i
       returning id`,
      [this.tenantId, prefix, managedBy, count],
    );
    return rows.map((r) => r.id).sort();
  }

  async addMembers(groupId: string, userIds: string[], who: "scim" | "admin" = "scim") {
    return this.h.groups.addGroupMembers(
      { tenantId: this.tenantId, groupId, userIds },
      who === "scim" ? this.scim : this.admin,
    );
  }

  async removeMembers(groupId: string, userIds: string[], who: "scim" | "admin" = "scim") {
    return this.h.groups.removeGroupMembers(
      { tenantId: this.tenantId, groupId, userIds },
      who === "scim" ? this.scim : this.admin,
    );
  }

  async replaceMembers(groupId: string, userIds: string[], who: "scim" | "admin" = "scim") {
    return this.h.groups.replaceGroupMembers(
      { tenantId: this.tenantId, groupId, userIds },
      who === "scim" ? this.scim : this.admin,
    );
  }

  async deleteGroup(groupId: string, who: "scim" | "admin" = "scim") {
    return this.h.groups.deleteGroup(
      { tenantId: this.tenantId, groupId },
      who === "scim" ? this.scim : this.admin,
    );
  }

  /** Member ids as the given caller sees them (one page of up to 10,000). */
  async memberIds(
    groupId: string,
    who: "scim" | "admin" = "scim",
    includeDormant = false,
  ): Promise<string[]> {
    const { members } = await this.h.groups.listGroupMembers(
      { tenantId: this.tenantId, groupId, pageSize: 10_000, includeDormant },
      who === "scim" ? this.scim : this.admin,
    );
    return members.map((m) => m.userId).sort();
  }
}

/** Stored state of users, memberships and audit events, read with plain SQL. */
export interface UserRow {
  id: string;
  managed_by: "SCIM" | "MANUAL";
  state: "PROVISIONED" | "DEPROVISIONED";
  active: boolean;
  deprovision_reason: string | null;
}

export async function userRow(db: pg.Pool, userId: string): Promise<UserRow> {
  const { rows } = await db.query<UserRow>(
    "select id, managed_by, state, active, deprovision_reason from identity.app_user where id = $1",
    [userId],
  );
  if (!rows[0]) throw new Error(`no user ${userId}`);
  return rows[0];
}

export async function accountsOf(db: pg.Pool, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ account_id: string }>(
    "select account_id from identity.account_membership where user_id = $1 order by account_id",
    [userId],
  );
  return rows.map((r) => r.account_id);
}

export interface MembershipRow {
  group_id: string;
  source: "SCIM" | "MANUAL";
  state: "ACTIVE" | "DORMANT";
}

/** A user's memberships, as `group:source:state` strings sorted (easy to compare). */
export async function membershipsOf(db: pg.Pool, userId: string): Promise<string[]> {
  const { rows } = await db.query<MembershipRow>(
    "select group_id, source, state from identity.group_membership where user_id = $1",
    [userId],
  );
  return rows.map((r) => `${r.group_id}:${r.source}:${r.state}`).sort();
}

export async function auditCount(db: pg.Pool, action: string, targetId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    "select count(*)::int as n from identity.audit_event where action = $1 and target_id = $2",
    [action, targetId],
  );
  return rows[0]?.n ?? 0;
}

export async function groupRow(db: pg.Pool, groupId: string) {
  const { rows } = await db.query<{
    id: string;
    account_id: string;
    display_name: string;
    external_id: string | null;
    scim_linked: boolean;
    version: number;
    updated_at: Date;
    deleted_at: Date | null;
  }>(
    "select id, account_id, display_name, external_id, scim_linked, version, updated_at, deleted_at from identity.app_group where id = $1",
    [groupId],
  );
  return rows[0];
}

export { Code };

/** Waits until `count` sessions of this test's database wait for a lock (or throws after 10 s). */
export async function lockWaiters(db: pg.Pool, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await db.query<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
    );
    if ((rows[0]?.n ?? 0) >= count) return;
    if (Date.now() > deadline) throw new Error(`fewer than ${count} sessions wait for a lock`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Runs `work` while another session holds the row lock of the given users, so that identity-core
 * calls that lock those users stop right there until `release` is called.
 */
export async function holdingUsers(db: pg.Pool, userIds: string[]) {
  const holder = await db.connect();
  await holder.query("begin");
  await holder.query("select 1 from identity.app_user where id = any($1::uuid[]) for update", [userIds]);
  return {
    async release() {
      await holder.query("commit");
      holder.release();
    },
  };
}
