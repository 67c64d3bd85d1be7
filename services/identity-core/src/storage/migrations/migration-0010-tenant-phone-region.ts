import { Migration } from "@mikro-orm/migrations";

/**
 * R2, issue 13 (docs/adr/0016-operability.md): the region a tenant's phone numbers are
 * read in when written without a country code. Null: none.
 */
export class Migration0010TenantPhoneRegion extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table identity.tenant
        add column default_phone_region text check (default_phone_region ~ '^[A-Z]{2}$');
    `);
  }
}
