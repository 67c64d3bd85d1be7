import { Migration } from "@mikro-orm/migrations";

/**
 * Licences, seats and licensing's own audit log, in the `licensing` schema. The seat
 * count lives on the licence row so a limit check and an allocation can be one statement.
 */
export class Migration0001Licenses extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table licensing.license (
        tenant_id uuid primary key,
        seat_limit integer not null check (seat_limit >= 0),
        seats_in_use integer not null default 0 check (seats_in_use >= 0),
        version integer not null default 1,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );

      create table licensing.seat (
        id uuid primary key,
        tenant_id uuid not null,
        user_id uuid not null,
        created_at timestamptz not null default now()
      );
      create unique index seat_tenant_user_uq on licensing.seat (tenant_id, user_id);

      create table licensing.audit_event (
        id bigint generated always as identity primary key,
        tenant_id uuid not null,
        actor_id text not null,
        actor_role text not null,
        action text not null,
        before jsonb,
        after jsonb,
        request_id text not null,
        created_at timestamptz not null default now()
      );
      create index licensing_audit_tenant_idx on licensing.audit_event (tenant_id, created_at desc);
    `);
  }
}
