import { Migration } from "@mikro-orm/migrations";

/**
 * Issue 16: OAuth 2.0 client-credentials clients of a tenant (secret stored only as its
 * SHA-256 hash), and the link from the short-lived access tokens they obtain — stored as
 * SCIM tokens with an expiry — back to their client, so revoking a client revokes them.
 */
export class Migration0011OauthClients extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table identity.oauth_client (
        id uuid primary key,
        tenant_id uuid not null references identity.tenant (id),
        name text not null,
        secret_hash bytea not null,
        hint text not null,
        created_at timestamptz not null default now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      );
    `);
    this.addSql(
      "create index oauth_client_tenant_idx on identity.oauth_client (tenant_id, created_at desc);",
    );
    this.addSql(`
      alter table identity.scim_token
        add column oauth_client_id uuid references identity.oauth_client (id);
    `);
    this.addSql(`
      create index scim_token_oauth_client_idx on identity.scim_token (oauth_client_id)
        where oauth_client_id is not null and revoked_at is null;
    `);
  }
}
