import type { MikroORM } from "@mikro-orm/postgresql";
import { boundRows } from "./bound-sql.js";
import type { User } from "./entities.js";
import { type UserFields, type UserRow, userColumnValues, userFromRow } from "./user-row.js";
import type { AuditActor } from "./user-write-sql.js";

/** The new user's stored fields, as the domain decided them. */
export type NewUserRow = UserFields & Pick<User, "id" | "tenantId" | "seatId" | "deprovisionReason">;

export interface CreateUserWrite {
  user: NewUserRow;
  /** Refuse while support has paused SCIM for the tenant (identity-provider writes only). */
  refuseWhenPaused: boolean;
  /** The IdP created it itself (docs/adr/0012: the brake does not count young IdP users). */
  idpCreated: boolean;
  audit: AuditActor & { after: unknown };
  changeType: "USER_PROVISIONED" | "USER_UPDATED";
}

export type CreateUserOutcome =
  | { kind: "created"; user: User }
  | { kind: "tenant-not-found" }
  | { kind: "scim-paused" };

/**
 * One autocommit statement for a whole create (issue 10): the tenant read under a key-share lock
 * (PauseScim's FOR UPDATE waits for it, docs: scim-pause.ts), the user row, its membership of the
 * tenant's default account when provisioned, the audit event (R22) and the change event (R22b).
 * All of it commits, or none of it: a unique violation (userName, R1) fails the statement.
 */
const createUserSql = `
  with t as (
    select id, coalesce(default_account_id, main_account_id) as account_id, scim_paused_at is not null as paused
      from identity.tenant where id = ?::uuid for key share
  ),
  u as (
    insert into identity.app_user (id, tenant_id, user_name, display_name, external_id, title, active,
                                   name_formatted, name_given_name, name_family_name, emails, phone_numbers,
                                   managed_by, state, locale, role, custom_attributes, seat_id,
                                   deprovisioned_at, deprovision_reason, idp_created_at)
    select ?::uuid, t.id, ?, ?, ?, ?, ?::boolean, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?::jsonb, ?::uuid,
           case when ?::text is null then null else now() end, ?::text,
           case when ?::boolean then now() end
      from t where not (t.paused and ?::boolean)
    returning *
  ),
  m as (
    insert into identity.account_membership (account_id, user_id, tenant_id)
    select t.account_id, u.id, u.tenant_id from u cross join t
     where u.state = 'PROVISIONED' and t.account_id is not null
  ),
  a as (
    insert into identity.audit_event (tenant_id, actor_type, actor_id, actor_role, action, target_type,
                                      target_id, before, after, request_id)
    select u.tenant_id, ?, ?, ?, 'user.created', 'user', u.id::text, null, ?::jsonb, ? from u
  ),
  c as (
    insert into identity.change_event (tenant_id, type, user_id) select u.tenant_id, ?, u.id from u
  )
  select t.paused as tenant_paused, u.* from t left join u on true`;

export async function insertUser(orm: MikroORM, write: CreateUserWrite): Promise<CreateUserOutcome> {
  const { user, audit } = write;
  const rows = await boundRows<UserRow & { tenant_paused: boolean }>(orm, createUserSql, [
    user.tenantId,
    user.id,
    ...userColumnValues(user),
    user.deprovisionReason,
    write.idpCreated,
    write.refuseWhenPaused,
    audit.actorType,
    audit.actorId,
    audit.actorRole,
    JSON.stringify(audit.after),
    audit.requestId,
    write.changeType,
  ]);
  const [row] = rows;
  if (!row) return { kind: "tenant-not-found" };
  if (row.id === null) return { kind: "scim-paused" };
  return { kind: "created", user: userFromRow(row) };
}
