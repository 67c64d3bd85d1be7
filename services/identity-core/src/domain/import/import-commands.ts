import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { pgArray } from "../../storage/sql/pg-array.js";
import { requireRole } from "../access.js";
import { recordAudit } from "../audit/record-audit.js";
import { type Change, recordChanges } from "../changes/record-changes.js";
import { DomainError, invalidArgument } from "../domain-error.js";
import { releaseUnused, storedSeats } from "../provisioning/seat-saga.js";
import type { SeatLedger } from "../seats.js";
import { findTenant } from "../tenant/find-tenant.js";
import { type ImportConflict, surveyImport } from "./import-conflicts.js";
import { type ImportInput, normaliseImport, userRow } from "./import-input.js";
import type { LicenseReader } from "./import-licenses.js";

export interface ImportPlan {
  accountsNew: number;
  accountsExisting: number;
  usersNew: number;
  usersExisting: number;
  groupsNew: number;
  groupsExisting: number;
  seatsNeeded: number;
  seatsMetered: boolean;
  seatLimit: number;
  seatsInUse: number;
  seatsFree: number;
  conflicts: ImportConflict[];
  importable: boolean;
}

export interface Counts {
  created: number;
  unchanged: number;
}

export interface ImportBatchOutcome {
  accounts: Counts;
  users: Counts;
  groups: Counts;
  memberships: Counts;
  accountMemberships: Counts;
  membershipsSkipped: number;
  seatsTaken: number;
}

/** Seat allocations in flight at once for one batch (each is one call to licensing). */
const SEAT_CONCURRENCY = 32;

function conflictError(conflicts: readonly ImportConflict[]): DomainError {
  const first = conflicts[0] as ImportConflict;
  const more = conflicts.length > 1 ? ` (and ${conflicts.length - 1} more conflicts; run PlanImport)` : "";
  return new DomainError("FAILED_PRECONDITION", "IMPORT_CONFLICT", `${first.message}${more}`, {
    kind: first.kind,
    id: first.id,
    conflict: first.conflict,
    conflictCount: String(conflicts.length),
  });
}

/**
 * Import of existing Cosafe data (issue 7, docs/import-format.md): plans an import without
 * writing, and applies it batch by batch, each batch one transaction with set-based SQL
 * (`insert … on conflict do nothing`), keeping ids, everything MANUAL, seats taken first
 * (R9 saga: allocate before the transaction, give back what it did not keep).
 */
export class ImportCommands {
  constructor(
    private readonly orm: MikroORM,
    private readonly seats: SeatLedger,
    private readonly licenses: LicenseReader | undefined,
  ) {}

  async plan(
    call: CallContext,
    tenantId: string,
    raw: Omit<ImportInput, "memberships">,
  ): Promise<ImportPlan> {
    requireRole(call, [Role.SUPPORT]);
    const input = normaliseImport({ ...raw, memberships: [] });
    const em = this.orm.em.fork();
    await findTenant(em, tenantId);
    const survey = await surveyImport(em, tenantId, input);
    // New: neither stored nor in conflict (a conflicting item is reported, not counted).
    const conflicting = (kind: string) =>
      new Set(survey.conflicts.filter((c) => c.kind === kind).map((c) => c.id));
    const [badAccounts, badUsers, badGroups] = [
      conflicting("account"),
      conflicting("user"),
      conflicting("group"),
    ];
    const newUsers = input.users.filter((u) => !survey.existingUsers.has(u.id) && !badUsers.has(u.id));
    const seatsNeeded = newUsers.filter((u) => u.active !== false).length;
    const license = this.licenses ? await this.licenses.license(tenantId) : undefined;
    const seatsFree = license ? Math.max(0, license.seatLimit - license.seatsInUse) : 0;
    return {
      accountsNew: input.accounts.filter((a) => !survey.existingAccounts.has(a.id) && !badAccounts.has(a.id))
        .length,
      accountsExisting: survey.existingAccounts.size,
      usersNew: newUsers.length,
      usersExisting: survey.existingUsers.size,
      groupsNew: input.groups.filter((g) => !survey.existingGroups.has(g.id) && !badGroups.has(g.id)).length,
      groupsExisting: survey.existingGroups.size,
      seatsNeeded,
      seatsMetered: Boolean(license),
      seatLimit: license?.seatLimit ?? 0,
      seatsInUse: license?.seatsInUse ?? 0,
      seatsFree,
      conflicts: survey.conflicts,
      importable: survey.conflicts.length === 0 && (!license || seatsNeeded <= seatsFree),
    };
  }

  async batch(call: CallContext, tenantId: string, raw: ImportInput): Promise<ImportBatchOutcome> {
    requireRole(call, [Role.SUPPORT]);
    const input = normaliseImport(raw);
    const tenant = await findTenant(this.orm.em.fork(), tenantId);
    const mainAccountId = tenant.mainAccountId ?? "";
    const defaultAccountId = tenant.defaultAccountId ?? mainAccountId;
    const survey = await surveyImport(this.orm.em.fork(), tenantId, input);
    if (survey.conflicts.length > 0) throw conflictError(survey.conflicts);

    const newUsers = input.users.filter((u) => !survey.existingUsers.has(u.id));
    const needSeats = newUsers.filter((u) => u.active !== false).map((u) => u.id);
    const taken = await this.allocate(tenantId, needSeats);
    const inUse = storedSeats(this.orm);
    let outcome: ImportBatchOutcome;
    let createdUsers: Set<string>;
    try {
      ({ outcome, createdUsers } = await this.orm.em
        .fork()
        .transactional((em) =>
          this.apply(
            em,
            call,
            tenantId,
            { mainAccountId, defaultAccountId, phoneRegion: tenant.defaultPhoneRegion },
            input,
            newUsers,
            taken,
          ),
        ));
    } catch (error) {
      await releaseUnused(this.seats, tenantId, [...taken.values()], inUse);
      throw error;
    }
    await releaseUnused(
      this.seats,
      tenantId,
      [...taken].filter(([userId]) => !createdUsers.has(userId)).map(([, seatId]) => seatId),
      inUse,
    );
    return outcome;
  }

  /** Takes a seat per user with bounded concurrency; on failure gives back what it took and rethrows. */
  private async allocate(tenantId: string, userIds: readonly string[]): Promise<Map<string, string | null>> {
    const taken = new Map<string, string | null>();
    let next = 0;
    let failure: unknown;
    const worker = async () => {
      while (failure === undefined && next < userIds.length) {
        const userId = userIds[next++] as string;
        try {
          taken.set(userId, await this.seats.allocate(tenantId, userId));
        } catch (error) {
          failure ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(SEAT_CONCURRENCY, userIds.length) }, worker));
    if (failure !== undefined) {
      await releaseUnused(this.seats, tenantId, [...taken.values()], storedSeats(this.orm));
      throw failure;
    }
    return taken;
  }

  private async apply(
    em: EntityManager,
    call: CallContext,
    tenantId: string,
    {
      mainAccountId,
      defaultAccountId,
      phoneRegion,
    }: { mainAccountId: string; defaultAccountId: string; phoneRegion: string | null | undefined },
    input: ImportInput,
    newUsers: ImportInput["users"],
    taken: ReadonlyMap<string, string | null>,
  ): Promise<{ outcome: ImportBatchOutcome; createdUsers: Set<string> }> {
    const changes: Change[] = [];

    // Accounts: one statement; parents were checked to be stored or earlier (no cycles).
    const accountRows = (await em.execute(
      `insert into identity.account (id, tenant_id, parent_account_id, display_name)
       select a.id, ?::uuid, coalesce(nullif(a.parent, '')::uuid, nullif(?, '')::uuid), a.name
         from unnest(?::uuid[], ?::text[], ?::text[]) with ordinality as a(id, parent, name, n)
        order by a.n
       on conflict do nothing returning id`,
      [
        tenantId,
        mainAccountId,
        pgArray(input.accounts.map((a) => a.id)),
        pgArray(input.accounts.map((a) => a.parentAccountId)),
        pgArray(input.accounts.map((a) => a.displayName)),
      ],
    )) as { id: string }[];
    await this.expectStored(
      em,
      "account",
      tenantId,
      input.accounts.map((a) => a.id),
    );

    // Users: MANUAL, provisioned unless inactive, with the seats taken for them.
    const rows = newUsers.map((u) => userRow(u, taken.get(u.id) ?? null, phoneRegion));
    const userRows = (await em.execute(
      `insert into identity.app_user (id, tenant_id, user_name, display_name, external_id, title, active,
              name_formatted, name_given_name, name_family_name, emails, phone_numbers, managed_by, state,
              locale, role, seat_id, deprovisioned_at, deprovision_reason)
       select u.id, ?::uuid, u.user_name, u.display_name, u.external_id, u.title, u.active,
              u.name_formatted, u.name_given_name, u.name_family_name, u.emails, u.phone_numbers, 'MANUAL',
              case when u.active then 'PROVISIONED' else 'DEPROVISIONED' end, u.locale, u.role, u.seat_id,
              case when u.active then null else now() end, case when u.active then null else 'INACTIVE' end
         from jsonb_to_recordset(?::jsonb) as u(id uuid, user_name text, display_name text, external_id text,
              title text, active boolean, name_formatted text, name_given_name text, name_family_name text,
              emails jsonb, phone_numbers jsonb, locale text, role text, seat_id uuid)
       on conflict do nothing returning id, active`,
      [tenantId, JSON.stringify(rows)],
    )) as { id: string; active: boolean }[];
    // A concurrent writer may have taken an id or userName since the survey: refuse the batch.
    const userCheck = (await em.execute(
      `select count(*)::int as n from unnest(?::uuid[], ?::text[]) as e(id, user_name)
         join identity.app_user u on u.id = e.id and u.tenant_id = ? and lower(u.user_name) = lower(e.user_name)`,
      [pgArray(input.users.map((u) => u.id)), pgArray(input.users.map((u) => u.userName)), tenantId],
    )) as [{ n: number }];
    if (userCheck[0].n !== input.users.length) {
      throw new DomainError(
        "FAILED_PRECONDITION",
        "IMPORT_CONFLICT",
        "a user id or userName of the batch was taken concurrently; run the import again",
        { kind: "user", conflict: "USER_NAME_TAKEN" },
      );
    }
    for (const u of userRows)
      changes.push({ type: u.active ? "USER_PROVISIONED" : "USER_UPDATED", userId: u.id });

    // Account memberships of the batch's provisioned users.
    const pairs = input.users.flatMap((u) =>
      (u.accountIds.length > 0 ? u.accountIds : [defaultAccountId]).map((a) => [a, u.id] as const),
    );
    await this.expectReferences(em, "account", tenantId, [...new Set(pairs.map(([a]) => a))]);
    const accountMemberships = await this.insertPairs(
      em,
      `insert into identity.account_membership (account_id, user_id, tenant_id)
       select p.a, p.b, ?::uuid from p`,
      `join identity.app_user u on u.id = p.b and u.tenant_id = ? and u.state = 'PROVISIONED'`,
      tenantId,
      pairs,
      "user_id",
    );

    // Groups: manual, in their account.
    const groupAccounts = input.groups.map((g) => g.accountId || defaultAccountId);
    await this.expectReferences(em, "account", tenantId, [...new Set(groupAccounts)]);
    const groupRows = (await em.execute(
      `insert into identity.app_group (id, tenant_id, account_id, display_name, external_id, scim_linked)
       select g.id, ?::uuid, g.account_id, g.name, nullif(g.external_id, ''), false
         from unnest(?::uuid[], ?::uuid[], ?::text[], ?::text[]) as g(id, account_id, name, external_id)
       on conflict do nothing returning id`,
      [
        tenantId,
        pgArray(input.groups.map((g) => g.id)),
        pgArray(groupAccounts),
        pgArray(input.groups.map((g) => g.displayName)),
        pgArray(input.groups.map((g) => g.externalId)),
      ],
    )) as { id: string }[];
    await this.expectStored(
      em,
      "group",
      tenantId,
      input.groups.map((g) => g.id),
    );
    for (const g of groupRows) changes.push({ type: "GROUP_CHANGED", groupId: g.id });

    // Memberships (source MANUAL) of provisioned users.
    const memberPairs = [...new Map(input.memberships.map((m) => [`${m.groupId}/${m.userId}`, m])).values()];
    await this.expectReferences(em, "group", tenantId, [...new Set(memberPairs.map((m) => m.groupId))]);
    await this.expectReferences(em, "user", tenantId, [...new Set(memberPairs.map((m) => m.userId))]);
    const memberships = await this.insertPairs(
      em,
      `insert into identity.group_membership (group_id, user_id, tenant_id, source, state)
       select p.a, p.b, ?::uuid, 'MANUAL', 'ACTIVE' from p`,
      `join identity.app_user u on u.id = p.b and u.tenant_id = ? and u.state = 'PROVISIONED'`,
      tenantId,
      memberPairs.map((m) => [m.groupId, m.userId] as const),
      "group_id",
    );
    for (const groupId of new Set(memberships.keys)) changes.push({ type: "MEMBERSHIP_CHANGED", groupId });

    const createdUsers = new Set(userRows.map((u) => u.id));
    const created = {
      accountIds: accountRows.map((r) => r.id),
      userIds: [...createdUsers],
      groupIds: groupRows.map((r) => r.id),
      memberships: memberships.created,
      accountMemberships: accountMemberships.created,
    };
    if (
      created.accountIds.length +
        created.userIds.length +
        created.groupIds.length +
        created.memberships +
        created.accountMemberships >
      0
    ) {
      recordAudit(em, call, {
        tenantId,
        action: "import.batch_applied",
        targetType: "tenant",
        targetId: tenantId,
        after: created,
      });
    }
    await recordChanges(em, tenantId, changes);
    return {
      createdUsers,
      outcome: {
        accounts: { created: accountRows.length, unchanged: input.accounts.length - accountRows.length },
        users: { created: userRows.length, unchanged: input.users.length - userRows.length },
        groups: { created: groupRows.length, unchanged: input.groups.length - groupRows.length },
        memberships: {
          created: memberships.created,
          unchanged: memberships.eligible - memberships.created,
        },
        accountMemberships: {
          created: accountMemberships.created,
          unchanged: accountMemberships.eligible - accountMemberships.created,
        },
        membershipsSkipped: memberPairs.length - memberships.eligible,
        seatsTaken: userRows.filter((u) => u.active && taken.get(u.id)).length,
      },
    };
  }

  /**
   * Inserts (a, b) pairs that pass `filter`, skipping those stored already; answers how many
   * passed the filter, how many were created, and the distinct `key` column of the created rows.
   */
  private async insertPairs(
    em: EntityManager,
    insert: string,
    filter: string,
    tenantId: string,
    pairs: readonly (readonly [string, string])[],
    key: string,
  ): Promise<{ eligible: number; created: number; keys: string[] }> {
    if (pairs.length === 0) return { eligible: 0, created: 0, keys: [] };
    const rows = (await em.execute(
      `with p as (
         select p.a, p.b from unnest(?::uuid[], ?::uuid[]) as p(a, b) ${filter}
       ), ins as (
         ${insert} on conflict do nothing returning ${key} as k
       )
       select (select count(*)::int from p) as eligible, (select count(*)::int from ins) as created,
              coalesce((select array_agg(distinct k)::text[] from ins), '{}') as keys`,
      [pgArray(pairs.map(([a]) => a)), pgArray(pairs.map(([, b]) => b)), tenantId, tenantId],
    )) as [{ eligible: number; created: number; keys: string[] }];
    return rows[0];
  }

  /** Every id is stored in the tenant now (after the batch's inserts), or the batch is refused as a conflict. */
  private async expectStored(
    em: EntityManager,
    kind: "account" | "group",
    tenantId: string,
    ids: readonly string[],
  ): Promise<void> {
    const missing = await this.missing(em, kind, tenantId, ids);
    if (missing.length > 0) {
      throw new DomainError(
        "FAILED_PRECONDITION",
        "IMPORT_CONFLICT",
        `${kind} ${missing[0]} could not be stored: its id or externalId was taken concurrently; run the import again`,
        { kind, id: missing[0] as string, conflict: `${kind.toUpperCase()}_ID_TAKEN` },
      );
    }
  }

  /** Every referenced id is stored in the tenant (or was stored by this batch). */
  private async expectReferences(
    em: EntityManager,
    kind: "account" | "group" | "user",
    tenantId: string,
    ids: readonly string[],
  ): Promise<void> {
    const missing = await this.missing(em, kind, tenantId, ids.filter(Boolean));
    if (ids.some((id) => !id)) missing.unshift("(the tenant has no default account)");
    if (missing.length > 0) {
      throw invalidArgument(
        "IMPORT_REFERENCE_UNKNOWN",
        `${kind} ${missing[0]} is neither in the import batch nor stored in the tenant` +
          (missing.length > 1 ? ` (and ${missing.length - 1} more)` : ""),
        { kind, id: missing[0] as string },
      );
    }
  }

  private async missing(
    em: EntityManager,
    kind: "account" | "group" | "user",
    tenantId: string,
    ids: readonly string[],
  ): Promise<string[]> {
    if (ids.length === 0) return [];
    const table = { account: "account", group: "app_group", user: "app_user" }[kind];
    const live = kind === "group" ? "and t.deleted_at is null" : "";
    const rows = (await em.execute(
      `select i.id::text as id from unnest(?::uuid[]) as i(id)
        where not exists (select 1 from identity.${table} t where t.id = i.id and t.tenant_id = ? ${live})`,
      [pgArray(ids), tenantId],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }
}
