import { Migration } from "@mikro-orm/migrations";

/**
 * When a seat was last handed to an allocation (R9). An allocation that finds its user's seat
 * already there (allocations are idempotent per user) hands that seat out again and moves
 * `granted_at`; a release by user id for an allocation whose answer never came names that
 * allocation's deadline and frees only a seat granted no later — so it can never free a seat
 * that a later allocation for the same user, on any replica, was handed. Seats stay otherwise
 * immutable: only `granted_at` may change.
 */
export class Migration0003SeatGrants extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table licensing.seat add column granted_at timestamptz;
      update licensing.seat set granted_at = created_at;
      alter table licensing.seat alter column granted_at set default clock_timestamp(),
                                 alter column granted_at set not null;

      create or replace function licensing.refuse_seat_update() returns trigger
      language plpgsql as $$
      begin
        if (new.id, new.tenant_id, new.user_id, new.created_at)
           is distinct from (old.id, old.tenant_id, old.user_id, old.created_at) then
          raise exception 'seats are never updated: release one and allocate another';
        end if;
        return new;
      end
      $$;
    `);
  }
}
