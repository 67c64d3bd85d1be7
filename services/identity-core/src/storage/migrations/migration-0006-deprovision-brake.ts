import { Migration } from "@mikro-orm/migrations";

/**
 * The mass-deprovision brake (issue 7, docs/adr/0012-mass-deprovision-brake.md): per-tenant
 * threshold settings, the IdP deprovisionings the threshold counts, and the held requests.
 */
export class Migration0006DeprovisionBrake extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      -- One row per tenant whose threshold support changed or released; defaults otherwise.
      create table identity.deprovision_brake (
        tenant_id uuid primary key references identity.tenant (id) on delete cascade,
        percent int not null default 10 check (percent between 1 and 100),
        minimum int not null default 20 check (minimum >= 0),
        window_seconds int not null default 3600 check (window_seconds between 60 and 604800),
        released_until timestamptz,
        updated_at timestamptz not null default now()
      );
      -- Every IdP-driven deprovisioning, written in the deprovisioning's own transaction; the
      -- brake counts a tenant's rows within its window. Rows older than 7 days are purged.
      create table identity.idp_deprovision (
        tenant_id uuid not null,
        user_id uuid not null,
        at timestamptz not null default now()
      );
      create index idp_deprovision_tenant_at_idx on identity.idp_deprovision (tenant_id, at);
      -- Requests the brake refused, written outside the refused transaction. One HELD row per
      -- tenant, kind and set of users (request_key = md5 of kind and sorted user ids); retries
      -- bump last_seen and count. Released and discarded rows are kept as history.
      create table identity.held_deprovision (
        id uuid primary key default gen_random_uuid(),
        tenant_id uuid not null references identity.tenant (id) on delete cascade,
        kind text not null check (kind in ('INACTIVE', 'DELETE', 'LAST_SCIM_GROUP_REMOVED')),
        user_ids uuid[] not null,
        request_key text not null,
        status text not null default 'HELD' check (status in ('HELD', 'RELEASED', 'DISCARDED')),
        first_seen timestamptz not null default now(),
        last_seen timestamptz not null default now(),
        count int not null default 1,
        decided_at timestamptz,
        decided_by text
      );
      create unique index held_deprovision_held_uq
        on identity.held_deprovision (tenant_id, request_key) where status = 'HELD';
      create index held_deprovision_tenant_status_idx
        on identity.held_deprovision (tenant_id, status, first_seen, id);
      create index held_deprovision_released_users_idx
        on identity.held_deprovision using gin (user_ids) where status = 'RELEASED';
    `);
  }
}
