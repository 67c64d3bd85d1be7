import { Migration } from "@mikro-orm/migrations";

/**
 * The provisioning log (R20): one row per SCIM request, written in batches by the facade,
 * read newest first by administrators and support, purged after the retention time.
 */
export class Migration0004ProvisioningLog extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      -- No foreign keys: entries outlive tokens and are written in bulk from outside;
      -- tenant_id null is the support-only stream (requests without a valid token).
      -- id is chosen by the writer, so a retried batch stores nothing twice.
      create table identity.provisioning_entry (
        id uuid primary key,
        tenant_id uuid,
        token_id uuid,
        request_id text not null,
        time timestamptz not null,
        method text not null,
        path text not null,
        resource_type text check (resource_type in ('User', 'Group')),
        resource_id text,
        user_name text,
        external_id text,
        outcome text not null
          check (outcome in ('SUCCESS', 'CLIENT_ERROR', 'LICENSE_REFUSED', 'SERVER_ERROR', 'UNAUTHENTICATED')),
        status smallint not null,
        scim_type text,
        detail text,
        ignored_attributes text[] not null default '{}',
        duration_us bigint not null default 0,
        received_at timestamptz not null default now()
      );
      -- Newest first per tenant (and time ranges); the support stream is tenant_id is null.
      create index provisioning_entry_tenant_time_idx
        on identity.provisioning_entry (tenant_id, time desc, id desc);
      create index provisioning_entry_tenant_outcome_idx
        on identity.provisioning_entry (tenant_id, outcome, time desc, id desc);
      create index provisioning_entry_tenant_resource_idx
        on identity.provisioning_entry (tenant_id, resource_id, time desc, id desc) where resource_id is not null;
      create index provisioning_entry_tenant_user_name_idx
        on identity.provisioning_entry (tenant_id, lower(user_name), time desc, id desc) where user_name is not null;
      create index provisioning_entry_tenant_external_id_idx
        on identity.provisioning_entry (tenant_id, external_id, time desc, id desc) where external_id is not null;
      -- The retention purge deletes by age across tenants.
      create index provisioning_entry_time_idx on identity.provisioning_entry (time);
    `);
  }
}
