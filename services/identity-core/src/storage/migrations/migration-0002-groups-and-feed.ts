import { Migration } from "@mikro-orm/migrations";

/**
 * Groups, memberships, invitations, the change-feed outbox (R22b) and the deprovisioning
 * bookkeeping of users (R4, R7).
 */
export class Migration0002GroupsAndFeed extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table identity.app_user
        add column deprovision_reason text
          check (deprovision_reason in ('INACTIVE', 'LAST_SCIM_GROUP_REMOVED', 'ADMIN'));
      update identity.app_user set deprovision_reason = 'INACTIVE' where state = 'DEPROVISIONED';

      create table identity.app_group (
        id uuid primary key,
        tenant_id uuid not null references identity.tenant (id) deferrable initially deferred,
        account_id uuid not null references identity.account (id) deferrable initially deferred,
        display_name text not null,
        external_id text,
        scim_linked boolean not null default false,
        version integer not null default 1,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        deleted_at timestamptz
      );
      -- R13: one externalId per group of a tenant; tombstones (R18) never block a new group.
      create unique index app_group_tenant_external_id_uq
        on identity.app_group (tenant_id, external_id) where external_id is not null and deleted_at is null;
      -- R13: displayName unique among SCIM-linked groups, case-insensitively.
      create unique index app_group_tenant_linked_name_uq
        on identity.app_group (tenant_id, lower(display_name)) where scim_linked and deleted_at is null;
      create index app_group_tenant_name_idx on identity.app_group (tenant_id, lower(display_name));
      create index app_group_tenant_created_idx on identity.app_group (tenant_id, created_at, id);
      create index app_group_account_idx on identity.app_group (account_id);

      create table identity.group_membership (
        group_id uuid not null references identity.app_group (id) on delete cascade deferrable initially deferred,
        user_id uuid not null references identity.app_user (id) on delete cascade deferrable initially deferred,
        tenant_id uuid not null,
        source text not null check (source in ('SCIM', 'MANUAL')),
        state text not null check (state in ('ACTIVE', 'DORMANT')),
        created_at timestamptz not null default now(),
        primary key (group_id, user_id)
      );
      create index group_membership_user_idx on identity.group_membership (user_id, source);

      create table identity.invitation (
        id uuid primary key,
        tenant_id uuid not null references identity.tenant (id) deferrable initially deferred,
        user_id uuid not null references identity.app_user (id) on delete cascade deferrable initially deferred,
        email text not null,
        invited_by text not null,
        created_at timestamptz not null default now()
      );
      create index invitation_user_idx on identity.invitation (user_id);

      -- R22b: written in the same transaction as each change. Readers deliver rows in
      -- (xid, id) order and only once every older transaction has finished, so a consumer
      -- that resumes from its last (xid, id) never misses a row committed late.
      create table identity.change_event (
        id bigint generated always as identity primary key,
        xid xid8 not null default pg_current_xact_id(),
        tenant_id uuid not null,
        type text not null,
        user_id uuid,
        group_id uuid,
        created_at timestamptz not null default now()
      );
      create index change_event_order_idx on identity.change_event (xid, id);
      create index change_event_tenant_order_idx on identity.change_event (tenant_id, xid, id);
      create index change_event_group_idx on identity.change_event (group_id, id) where group_id is not null;
    `);
  }
}
