import { Migration } from "@mikro-orm/migrations";

/**
 * Issue 7, operator safety: a tenant's SCIM provisioning can be paused by support (the
 * facade learns it with the token and answers 503), and a SCIM token that expires soon is
 * reported in the provisioning log at most once a day (token hygiene).
 */
export class Migration0005ScimPauseAndHandback extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      -- Null: not paused. Reason and actor are kept for support and the audit trail.
      alter table identity.tenant
        add column scim_paused_at timestamptz,
        add column scim_pause_reason text,
        add column scim_paused_by text;

      -- When the daily job last wrote "this token expires soon" into the provisioning log.
      alter table identity.scim_token add column expiry_reported_at timestamptz;
      create index scim_token_expiring_idx on identity.scim_token (expires_at)
        where revoked_at is null and expires_at is not null;
    `);
  }
}
