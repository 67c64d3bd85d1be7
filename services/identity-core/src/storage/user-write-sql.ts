import type { EntityManager } from "@mikro-orm/postgresql";
import { boundRows } from "./bound-sql.js";
import { brakeLockKey, establishedSql } from "./brake-sql.js";
import type { User } from "./entities.js";
import { membershipVersionShards } from "./membership-version.js";
import { pgArray } from "./sql/pg-array.js";
import { type UserRow, userColumnValues, userFromRow } from "./user-row.js";

/**
 * Bound SQL of the user write paths (UpdateUser, DeleteUser; issue 10): one statement locks
 * what a write needs, one statement writes the row together with everything its rules say
 * goes with it — memberships, the seat-release outbox, the brake's count, audit events (R22)
 * and change events (R22b). Each runs in the caller's transaction.
 */

// ---------------------------------------------------------------------------------------------
// The lock

export interface UserLockRequest {
  tenantId: string;
  /** Null when the id cannot name a user (not a uuid): the tenant is still checked. */
  userId: string | null;
  /** Lock nothing of the user while support has paused SCIM for the tenant (IdP writes). */
  refuseWhenPaused: boolean;
  /**
   * The write deprovisions the user when it is provisioned, on behalf of the identity
   * provider: if the user is established, take the tenant's brake lock too (docs/adr/0012).
   * `defaults` are the brake settings of a tenant without a row of its own.
   */
  brake?: { windowSeconds: number; youngUserSeconds: number } | undefined;
}

export interface LockedTenant {
  defaultPhoneRegion: string | null;
  /** Where a re-provisioned user lands: the default account, else the main account. */
  defaultAccountId: string | null;
}

export type UserLock =
  | { kind: "tenant-not-found" }
  | { kind: "scim-paused" }
  | { kind: "user-not-found" }
  | {
      kind: "locked";
      tenant: LockedTenant;
      user: User;
      /** The brake lock is held: the user is provisioned, established, and `brake` was asked. */
      brakeLocked: boolean;
    };

type LockRow = Partial<UserRow> & {
  tenant_paused: boolean;
  tenant_phone_region: string | null;
  tenant_account_id: string | null;
  brake_locked: boolean | null;
};

/**
 * ONE statement: the tenant row under a key-share lock (PauseScim's FOR UPDATE waits for it,
 * domain/scim-control/scim-pause.ts), then the user row FOR UPDATE — unless the tenant is
 * paused and the write is the IdP's — then, for an IdP deprovisioning of an established
 * provisioned user, the brake's advisory lock. That is the lock order of every write: tenant,
 * (group,) users, brake.
 */
/** What a write needs of its tenant, as `t` (one bound value: the tenant id); `lock` locks the row. */
const tenantSql = (lock: string) => `(select id, scim_paused_at is not null as paused,
                 default_phone_region as phone_region, coalesce(default_account_id, main_account_id) as account_id
            from identity.tenant where id = ?::uuid ${lock}) t`;
const tenantColumns =
  "t.paused as tenant_paused, t.phone_region as tenant_phone_region, t.account_id as tenant_account_id";

const lockUserSql = `
  select ${tenantColumns}, k.locked as brake_locked, u.*
    from ${tenantSql("for key share")}
    left join lateral (select * from identity.app_user
                        where id = ?::uuid and tenant_id = t.id and not (t.paused and ?::boolean)
                          for update) u on true
    left join identity.deprovision_brake b on b.tenant_id = t.id
    left join lateral (select pg_advisory_xact_lock(hashtextextended(?, 0))::text is not null as locked
                        where ?::boolean and u.state = 'PROVISIONED'
                          and ${establishedSql("coalesce(b.window_seconds, ?::int)", "coalesce(b.young_user_seconds, ?::int)")}
                      ) k on true`;

export async function lockUserForWrite(em: EntityManager, request: UserLockRequest): Promise<UserLock> {
  const [row] = await boundRows<LockRow>(em, lockUserSql, [
    request.tenantId,
    request.userId,
    request.refuseWhenPaused,
    brakeLockKey(request.tenantId),
    request.brake !== undefined,
    request.brake?.windowSeconds ?? 0,
    request.brake?.youngUserSeconds ?? 0,
  ]);
  return lockOf(row, request);
}

/**
 * The same rows as the lock, read without any lock and without the brake: the first statement
 * of the unlocked update (UpdateUser's one-statement write, issue 10). What it reads is only
 * acted on through `updateUserRowIfUnchanged`, which writes at the version read here.
 */
const readUserSql = `
  select ${tenantColumns}, false as brake_locked, u.*
    from ${tenantSql("")}
    left join identity.app_user u on u.id = ?::uuid and u.tenant_id = t.id and not (t.paused and ?::boolean)`;

export async function readUserForWrite(
  em: EntityManager,
  request: Omit<UserLockRequest, "brake">,
): Promise<UserLock> {
  const [row] = await boundRows<LockRow>(em, readUserSql, [
    request.tenantId,
    request.userId,
    request.refuseWhenPaused,
  ]);
  return lockOf(row, request);
}

function lockOf(row: LockRow | undefined, request: Omit<UserLockRequest, "brake">): UserLock {
  if (!row) return { kind: "tenant-not-found" };
  if (row.tenant_paused && request.refuseWhenPaused) return { kind: "scim-paused" };
  if (!row.id) return { kind: "user-not-found" };
  return {
    kind: "locked",
    tenant: { defaultPhoneRegion: row.tenant_phone_region, defaultAccountId: row.tenant_account_id },
    user: userFromRow(row as UserRow),
    brakeLocked: row.brake_locked === true,
  };
}

// ---------------------------------------------------------------------------------------------
// The write

/** Who writes, for the audit events (R22). */
export interface AuditActor {
  actorType: string;
  actorId: string;
  actorRole: string;
  requestId: string;
}

/** An audit event about the written user, in the order they are to be stored. */
export interface UserAudit {
  action: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/**
 * A change event about the written user, in the order they are to be stored.
 * `MEMBERSHIP_CHANGED` stands for one event per group that lost a manual membership to the
 * deprovisioning, at that place (R10: their SCIM view and ETag change).
 */
export type UserChange =
  | "USER_PROVISIONED"
  | "USER_UPDATED"
  | "USER_DEPROVISIONED"
  | "USER_DELETED"
  | "MEMBERSHIP_CHANGED";

/** R4: what a deprovisioning does besides the row — account and manual memberships go, … */
export interface Deprovisioning {
  kind: "deprovision";
  /** The seat given up, owed to licensing through the outbox (docs/adr/0013); null: none held. */
  releasedSeatId: string | null;
  /** An IdP deprovisioning of an established user: counted by the brake (docs/adr/0012). */
  countedByBrake: boolean;
}

/** R4: … and what a re-provisioning does: dormant SCIM memberships wake, accounts come back. */
export interface Reprovisioning {
  kind: "reprovision";
  defaultAccountId: string | null;
}

export interface UserWrite {
  /** The user as it is to be stored (the domain decided every field under the row lock). */
  user: User;
  /** The version read under the lock; the row is written only at that version. */
  version: number;
  lifecycle: Deprovisioning | Reprovisioning | null;
  actor: AuditActor;
  audits: readonly UserAudit[];
  changes: readonly UserChange[];
}

/** The one-row parameter table every part of a write statement reads (so each value is bound once). */
const paramsSql = `
  p as (
    select ?::uuid as tenant_id, ?::uuid as user_id, ?::int as version,
           ?::text as actor_type, ?::text as actor_id, ?::text as actor_role, ?::text as request_id,
           ?::jsonb as audits, ?::text[] as changes,
           ?::uuid as released_seat_id, ?::boolean as counted, ?::uuid as default_account_id,
           ?::text as user_name, ?::text as display_name, ?::text as external_id, ?::text as title,
           ?::boolean as active, ?::text as name_formatted, ?::text as name_given_name,
           ?::text as name_family_name, ?::jsonb as emails, ?::jsonb as phone_numbers,
           ?::text as managed_by, ?::text as state, ?::text as locale, ?::text as role,
           ?::jsonb as custom_attributes, ?::uuid as seat_id, ?::text as deprovision_reason
  )`;

function paramsOf(write: UserWrite): unknown[] {
  const { user, actor, lifecycle } = write;
  return [
    user.tenantId,
    user.id,
    write.version,
    actor.actorType,
    actor.actorId,
    actor.actorRole,
    actor.requestId,
    JSON.stringify(
      write.audits.map((a) => ({ action: a.action, before: a.before ?? null, after: a.after ?? null })),
    ),
    pgArray(write.changes),
    lifecycle?.kind === "deprovision" ? lifecycle.releasedSeatId : null,
    lifecycle?.kind === "deprovision" ? lifecycle.countedByBrake : false,
    lifecycle?.kind === "reprovision" ? lifecycle.defaultAccountId : null,
    ...userColumnValues(user),
  ];
}

/**
 * R4's deprovisioning of the user in `u` (the row already says DEPROVISIONED): its account
 * memberships and manual group memberships go (`left_groups` names those groups), its SCIM
 * memberships turn dormant, its seat's release is owed in the outbox, and an IdP
 * deprovisioning of an established user is counted for the brake (old counts purged).
 * Without `withMemberships` (a delete: the rows go by cascade) only the outbox and the brake.
 */
const deprovisionSql = (withMemberships: boolean) => `
  ${
    withMemberships
      ? `gone_accounts as (delete from identity.account_membership m using u where m.user_id = u.id),
  left_groups as (delete from identity.group_membership m using u
                   where m.user_id = u.id and m.source = 'MANUAL' returning m.group_id),
  dormant as (update identity.group_membership m set state = 'DORMANT' from u
               where m.user_id = u.id and m.source = 'SCIM'),`
      : ""
  }
  released as (insert into identity.seat_release (tenant_id, user_id, seat_id)
               select u.tenant_id, u.id, p.released_seat_id from u, p where p.released_seat_id is not null
               on conflict (seat_id) where seat_id is not null do nothing),
  counted as (insert into identity.idp_deprovision (tenant_id, user_id)
              select u.tenant_id, u.id from u, p where p.counted),
  purged as (delete from identity.idp_deprovision d using p
              where p.counted and d.tenant_id = p.tenant_id and d.at < now() - interval '7 days'),`;

/** R4's re-provisioning of the user in `u`: SCIM memberships wake, the default account and each group's account. */
const reprovisionSql = `
  woken as (update identity.group_membership m set state = 'ACTIVE' from u
             where m.user_id = u.id and m.state <> 'ACTIVE'),
  joined as (insert into identity.account_membership (account_id, user_id, tenant_id)
             select p.default_account_id, u.id, u.tenant_id from u, p where p.default_account_id is not null
             union
             select g.account_id, u.id, u.tenant_id
               from u join identity.group_membership m on m.user_id = u.id
               join identity.app_group g on g.id = m.group_id
              where g.deleted_at is null
             on conflict do nothing),`;

/**
 * The audit events (R22) and change events (R22b) of the user in `u`, each in the given
 * order; with `left_groups`, a MEMBERSHIP_CHANGED per group (in group id order) and the
 * groups' membership versions (R25).
 */
const eventsSql = (withGroups: boolean) => `
  audited as (insert into identity.audit_event (tenant_id, actor_type, actor_id, actor_role, action,
                                                target_type, target_id, before, after, request_id)
              select u.tenant_id, p.actor_type, p.actor_id, p.actor_role, e.value ->> 'action', 'user', u.id::text,
                     nullif(e.value -> 'before', 'null'::jsonb), nullif(e.value -> 'after', 'null'::jsonb), p.request_id
                from u, p, jsonb_array_elements(p.audits) with ordinality as e(value, n)
               order by e.n),
  events as (insert into identity.change_event (tenant_id, type, user_id, group_id)
             select x.tenant_id, x.type, x.user_id, x.group_id from (
               select u.tenant_id, c.type, u.id as user_id, null::uuid as group_id, c.n, null::uuid as k
                 from u, p, unnest(p.changes) with ordinality as c(type, n)
                where c.type <> 'MEMBERSHIP_CHANGED'
               ${
                 withGroups
                   ? `union all
               select u.tenant_id, c.type, null, g.group_id, c.n, g.group_id
                 from u, p, unnest(p.changes) with ordinality as c(type, n),
                      (select distinct group_id from left_groups) g
                where c.type = 'MEMBERSHIP_CHANGED'`
                   : ""
               }
             ) x order by x.n, x.k
             returning type, group_id)${
               withGroups
                 ? `,
  versions as (insert into identity.group_membership_version as v (group_id, shard, changes)
               select group_id, pg_backend_pid() % ${membershipVersionShards}, count(*) from events
                where type = 'MEMBERSHIP_CHANGED' and group_id is not null
                group by group_id order by group_id
               on conflict (group_id, shard) do update set changes = v.changes + excluded.changes)`
                 : ""
             }`;

/**
 * Unlocked (`guarded`): the tenant is key-share locked in the statement itself, as the lock
 * statement does, and an IdP write finds no row while SCIM is paused (two values bound after
 * the parameter table: the tenant id and whether a pause refuses the write).
 */
const updateSql = (lifecycle: LifecycleKind, guarded = false) => `
  with ${paramsSql},${
    guarded
      ? `
  t as (select id from identity.tenant
         where id = ?::uuid and (scim_paused_at is null or not ?::boolean) for key share),`
      : ""
  }
  u as (
    update identity.app_user as x
       set user_name = p.user_name, display_name = p.display_name, external_id = p.external_id,
           title = p.title, active = p.active, name_formatted = p.name_formatted,
           name_given_name = p.name_given_name, name_family_name = p.name_family_name,
           emails = p.emails, phone_numbers = p.phone_numbers, managed_by = p.managed_by, state = p.state,
           locale = p.locale, role = p.role, custom_attributes = p.custom_attributes, seat_id = p.seat_id,
           deprovision_reason = p.deprovision_reason,
           deprovisioned_at = ${
             lifecycle === "deprovision"
               ? "now()"
               : lifecycle === "reprovision"
                 ? "null"
                 : "x.deprovisioned_at"
           },
           version = x.version + 1, updated_at = now()
      from p${guarded ? ", t" : ""}
     where x.id = p.user_id and x.tenant_id = p.tenant_id and x.version = p.version${guarded ? " and t.id = p.tenant_id" : ""}
     returning x.*
  ),
  ${lifecycle === "deprovision" ? deprovisionSql(true) : lifecycle === "reprovision" ? reprovisionSql : ""}
  ${eventsSql(lifecycle === "deprovision")}
  select * from u`;

type LifecycleKind = NonNullable<UserWrite["lifecycle"]>["kind"] | null;

/**
 * The write texts, built once: the same string object every time, so a statement's prepared
 * name (boundQuery, keyed by its text) is found without hashing a new 3 KB string per request.
 */
const updateTexts = {
  attributes: updateSql(null),
  guarded: updateSql(null, true),
  deprovision: updateSql("deprovision"),
  reprovision: updateSql("reprovision"),
} as const;

/**
 * ONE statement: the user row as the domain decided it (version + 1), the lifecycle's effects
 * (R4), the audit events and the change events. Answers the row as stored. The caller holds
 * the row lock (lockUserForWrite), so the version it read is the one it writes over.
 */
export async function updateUserRow(em: EntityManager, write: UserWrite): Promise<User> {
  const [row] = await boundRows<UserRow>(
    em,
    updateTexts[write.lifecycle?.kind ?? "attributes"],
    paramsOf(write),
  );
  if (!row) throw new Error(`user ${write.user.id} changed under its row lock`);
  return userFromRow(row);
}

/**
 * ONE autocommit statement for an update that neither deprovisions nor re-provisions: the row
 * as the domain decided it from a read at `write.version`, its audit and change events — only
 * if the row is still at that version and (for the IdP) SCIM is not paused. Null when either
 * moved since the read: nothing is written, and the caller takes the locked path.
 */
export async function updateUserRowIfUnchanged(
  em: EntityManager,
  write: UserWrite & { lifecycle: null },
  refuseWhenPaused: boolean,
): Promise<User | null> {
  const [row] = await boundRows<UserRow>(em, updateTexts.guarded, [
    ...paramsOf(write),
    write.user.tenantId,
    refuseWhenPaused,
  ]);
  return row ? userFromRow(row) : null;
}

export interface UserDelete {
  /** The user as locked (its id, tenant and version). */
  user: User;
  /** R5 deprovisions a provisioned user first (null: it already is deprovisioned). */
  deprovisioning: Deprovisioning | null;
  actor: AuditActor;
  audits: readonly UserAudit[];
  changes: readonly UserChange[];
}

const deleteSql = (deprovisions: boolean) => `
  with ${paramsSql},
  u as (delete from identity.app_user x using p
         where x.id = p.user_id and x.tenant_id = p.tenant_id and x.version = p.version
         returning x.id, x.tenant_id),
  left_groups as (select m.group_id from identity.group_membership m, u where m.user_id = u.id),
  ${deprovisions ? deprovisionSql(false) : ""}
  ${eventsSql(true)}
  select id from u`;

const deleteTexts = { deprovisions: deleteSql(true), deprovisioned: deleteSql(false) } as const;

/**
 * ONE statement for R5: the row goes (its memberships and invitations with it, by cascade),
 * with the deprovisioning's outbox row and brake count when it was provisioned, the audit
 * events and the change events: MEMBERSHIP_CHANGED, and a new membership version (group
 * ETags, R25), for every group the user leaves — SCIM, manual and dormant memberships alike
 * (the statement still sees the rows the cascade removes at its end).
 */
export async function deleteUserRow(em: EntityManager, write: UserDelete): Promise<void> {
  const rows = await boundRows<{ id: string }>(
    em,
    write.deprovisioning !== null ? deleteTexts.deprovisions : deleteTexts.deprovisioned,
    paramsOf({ ...write, version: write.user.version, lifecycle: write.deprovisioning }),
  );
  if (rows.length === 0) throw new Error(`user ${write.user.id} changed under its row lock`);
}
