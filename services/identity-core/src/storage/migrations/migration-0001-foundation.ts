import { Migration } from "@mikro-orm/migrations";

/**
 * Tenants, accounts, users, SCIM tokens and the audit log. Foreign keys are checked at
 * commit (deferrable), so a unit of work may insert rows in any order. Hand-written SQL that runs on
 * PostgreSQL 15 and later; every table lives in the service's own `identity` schema.
 */
export class Migration0001Foundation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table identity.tenant (
        id uuid primary key,
        display_name text not null,
        main_account_id uuid,
        default_account_id uuid,
        deprovision_on_last_group_removal boolean not null default true,
        version integer not null default 1,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );

      create table identity.account (
        id uuid primary key,
        tenant_id uuid not null references identity.tenant (id) deferrable initially deferred,
        parent_account_id uuid references identity.account (id) deferrable initially deferred,
        display_name text not null,
        version integer not null default 1,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index account_tenant_idx on identity.account (tenant_id);

      alter table identity.tenant
        add constraint tenant_main_account_fk foreign key (main_account_id) references identity.account (id) deferrable initially deferred,
        add constraint tenant_default_account_fk foreign key (default_account_id) references identity.account (id) deferrable initially deferred;

      create table identity.app_user (
        id uuid primary key,
        tenant_id uuid not null references identity.tenant (id) deferrable initially deferred,
        user_name text not null,
        display_name text not null,
        external_id text,
        title text,
        active boolean not null,
        name_formatted text,
        name_given_name text,
        name_family_name text,
        emails jsonb not null default '[]',
        phone_numbers jsonb not null default '[]',
        managed_by text not null check (managed_by in ('MANUAL', 'SCIM')),
        state text not null check (state in ('PROVISIONED', 'DEPROVISIONED')),
        locale text,
        role text not null default 'MEMBER' check (role in ('MEMBER', 'ADMIN')),
        custom_attributes jsonb not null default '{}',
        seat_id uuid,
        version integer not null default 1,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        deprovisioned_at timestamptz
      );
      create unique index app_user_tenant_user_name_uq on identity.app_user (tenant_id, lower(user_name));
      create index app_user_tenant_external_id_idx on identity.app_user (tenant_id, external_id);
      create index app_user_tenant_created_idx on identity.app_user (tenant_id, created_at, id);

      create table identity.account_membership (
        account_id uuid not null references identity.account (id) on delete cascade deferrable initially deferred,
        user_id uuid not null references identity.app_user (id) on delete cascade deferrable initially deferred,
        tenant_id uuid not null references identity.tenant (id) deferrable initially deferred,
        created_at timestamptz not null default now(),
        primary key (account_id, user_id)
      );
      create index account_membership_user_idx on identity.account_membership (user_id);

      create table identity.scim_token (
        id uuid primary key,
        tenant_id uuid not null references identity.tenant (id) deferrable initially deferred,
        name text not null,
        secret_hash bytea not null,
        hint text not null,
        created_at timestamptz not null default now(),
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz
      );
      create unique index scim_token_secret_hash_uq on identity.scim_token (secret_hash);
      create index scim_token_tenant_idx on identity.scim_token (tenant_id);

      create table identity.audit_event (
        id bigint generated always as identity primary key,
        tenant_id uuid,
        actor_type text not null,
        actor_id text not null,
        actor_role text not null,
        action text not null,
        target_type text not null,
        target_id text not null,
        before jsonb,
        after jsonb,
        request_id text not null,
        created_at timestamptz not null default now()
      );
      create index audit_event_tenant_time_idx on identity.audit_event (tenant_id, created_at desc, id desc);
      create index audit_event_target_idx on identity.audit_event (tenant_id, target_type, target_id);
    `);
  }
}
