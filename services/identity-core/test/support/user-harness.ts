import { randomUUID } from "node:crypto";
import { type Client, ConnectError, createClient } from "@connectrpc/connect";
import { AccountService, GroupService } from "@cosafe/proto/identity";
import { createServiceTransport } from "@cosafe/rpc";
import pg from "pg";
import { expect } from "vitest";
import { DomainError } from "../../src/domain/domain-error.js";
import type { SeatAuthority } from "../../src/domain/seats.js";
import type { InvitationMessage, InvitationNotifier } from "../../src/domain/user/invitation-notifier.js";
import { type CoreHarness, startCoreHarness, testCredential } from "./core-harness.js";

/**
 * A seat ledger that behaves like the licensing service (R9): an allocation is keyed by
 * user id and returns the seat the user already holds, if any, else a fresh seat id; a
 * release names a seat id (or, without one, the user) and frees it. Every call is recorded.
 */
export class RecordingSeats implements SeatAuthority {
  readonly allocateBudgetMs = 1000;
  readonly allocations: { tenantId: string; userId: string; seatId: string }[] = [];
  readonly releases: { tenantId: string; seatId: string }[] = [];
  /** Seats currently held, by "tenantId/userId". */
  readonly held = new Map<string, string>();
  /** While true, allocations of new seats fail as licensing does when the limit is reached. */
  full = false;

  async allocate(tenantId: string, userId: string): Promise<string> {
    if (this.full && !this.held.has(`${tenantId}/${userId.toLowerCase()}`)) {
      throw new DomainError("FAILED_PRECONDITION", "LICENSE_LIMIT_REACHED", "licence limit reached (test)");
    }
    const key = `${tenantId}/${userId.toLowerCase()}`;
    const seatId = this.held.get(key) ?? randomUUID();
    this.held.set(key, seatId);
    this.allocations.push({ tenantId, userId, seatId });
    return seatId;
  }

  async release(tenantId: string, userId: string | null, seatId: string | null): Promise<void> {
    const id = seatId ?? this.held.get(`${tenantId}/${userId?.toLowerCase()}`);
    if (!id) return;
    this.releases.push({ tenantId, seatId: id });
    for (const [key, held] of this.held) if (held === id) this.held.delete(key);
  }

  allocationsFor(userId: string) {
    return this.allocations.filter((a) => a.userId.toLowerCase() === userId.toLowerCase());
  }

  /** The seat the ledger believes the user holds, if any. */
  seatOf(tenantId: string, userId: string): string | undefined {
    return this.held.get(`${tenantId}/${userId.toLowerCase()}`);
  }

  released(seatId: string): boolean {
    return this.releases.some((r) => r.seatId === seatId);
  }
}

/** An invitation notifier that records what it was asked to deliver (R3). */
export class RecordingNotifier implements InvitationNotifier {
  readonly sent: InvitationMessage[] = [];

  async send(invitation: InvitationMessage): Promise<void> {
    this.sent.push(invitation);
  }
}

export interface UserHarness extends CoreHarness {
  groups: Client<typeof GroupService>;
  accounts: Client<typeof AccountService>;
  /** A small pool on the test database, for asserting stored state with SQL. */
  db: pg.Pool;
}

/**
 * Like startCoreHarness, with a seat ledger and an invitation notifier of the test's
 * choosing, group and account clients, and a SQL pool on the same database.
 */
export async function startUserHarness(
  options: { seats?: SeatAuthority; notifier?: InvitationNotifier } = {},
): Promise<UserHarness> {
  const harness = await startCoreHarness(options);
  const transport = createServiceTransport({ baseUrl: harness.url, credential: testCredential });
  const db = new pg.Pool({ connectionString: harness.database.url, max: 3 });
  return {
    ...harness,
    db,
    groups: createClient(GroupService, transport),
    accounts: createClient(AccountService, transport),
    async close() {
      await db.end();
      await harness.close();
    },
  };
}

/** The ConnectError a call failed with; fails the test when it succeeded. */
export async function rejection(promise: Promise<unknown>): Promise<ConnectError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

/** Stored row of a user, or undefined when the row is gone. */
export async function userRow(db: pg.Pool, userId: string) {
  const { rows } = await db.query(
    `select id, user_name, display_name, external_id, title, active, state, managed_by, seat_id,
            name_formatted, name_given_name, name_family_name, emails, phone_numbers, locale, role,
            custom_attributes, version, deprovision_reason
       from identity.app_user where id = $1`,
    [userId],
  );
  return rows[0] as Record<string, unknown> | undefined;
}

/** Account ids the user is in, sorted. */
export async function accountsOf(db: pg.Pool, userId: string): Promise<string[]> {
  const { rows } = await db.query(
    "select account_id from identity.account_membership where user_id = $1 order by account_id",
    [userId],
  );
  return rows.map((r) => r.account_id as string);
}

/** The user's group memberships as "groupId source state", sorted. */
export async function membershipsOf(db: pg.Pool, userId: string): Promise<string[]> {
  const { rows } = await db.query(
    "select group_id, source, state from identity.group_membership where user_id = $1",
    [userId],
  );
  return rows.map((r) => `${r.group_id} ${r.source} ${r.state}`).sort();
}

/** Audit actions about a target, oldest first. */
export async function auditActions(db: pg.Pool, targetId: string): Promise<string[]> {
  const { rows } = await db.query(
    "select action from identity.audit_event where target_id = $1 order by id",
    [targetId],
  );
  return rows.map((r) => r.action as string);
}

export async function auditCount(db: pg.Pool, tenantId: string): Promise<number> {
  const { rows } = await db.query(
    "select count(*)::int as n from identity.audit_event where tenant_id = $1",
    [tenantId],
  );
  return rows[0].n as number;
}
