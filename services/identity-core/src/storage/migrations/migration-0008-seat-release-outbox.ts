import { Migration } from "@mikro-orm/migrations";

/**
 * The seat-release outbox (issue 15, docs/adr/0013-seat-release-outbox.md): every seat
 * release identity-core owes licensing, written in the transaction that gave the seat up
 * (a deprovisioning) or right after one that failed to keep it, and deleted once licensing
 * confirmed it. `user_id` is the seat's user when known (a release is dropped while that user
 * holds the seat). `seat_id` null releases whatever seat the user holds (an allocation whose
 * answer never came); such a row waits until `next_attempt_at`, past the allocation's
 * deadline, so a late allocation cannot land after it.
 */
export class Migration0008SeatReleaseOutbox extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table identity.seat_release (
        id bigint generated always as identity primary key,
        tenant_id uuid not null,
        user_id uuid,
        seat_id uuid,
        created_at timestamptz not null default now(),
        next_attempt_at timestamptz not null default now(),
        attempts int not null default 0,
        last_error text
      );
      -- One pending release per seat; one pending release-by-user per user.
      create unique index seat_release_seat_uq on identity.seat_release (seat_id) where seat_id is not null;
      create unique index seat_release_user_uq on identity.seat_release (user_id) where seat_id is null;
      create index seat_release_user_idx on identity.seat_release (user_id);
      create index seat_release_due_idx on identity.seat_release (next_attempt_at, id);
    `);
  }
}
