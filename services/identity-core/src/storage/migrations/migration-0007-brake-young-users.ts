import { Migration } from "@mikro-orm/migrations";

/**
 * Issue 12 (docs/adr/0012-mass-deprovision-brake.md): the brake counts only established
 * users. `app_user.idp_created_at` says when the identity provider itself created the user
 * (a SCIM create); it stays null for users created by an administrator, support or the
 * import, and for manual users the IdP adopted later (R12). The tenant's brake gets a
 * "young user" age: an IdP-created user younger than max(window, young age) is not counted.
 */
export class Migration0007BrakeYoungUsers extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table identity.app_user add column idp_created_at timestamptz;
      -- Users the IdP created before this migration: their user.created audit event names
      -- the SCIM role (adopted users were created by someone else and stay null).
      update identity.app_user u set idp_created_at = u.created_at
       where u.managed_by = 'SCIM'
         and exists (select 1 from identity.audit_event a
                      where a.tenant_id = u.tenant_id and a.target_type = 'user'
                        and a.target_id = u.id::text and a.action = 'user.created'
                        and a.actor_role = 'SCIM');

      alter table identity.deprovision_brake
        add column young_user_seconds int not null default 86400
          check (young_user_seconds between 60 and 2592000);
    `);
  }
}
