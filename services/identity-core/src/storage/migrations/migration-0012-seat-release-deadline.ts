import { Migration } from "@mikro-orm/migrations";

/**
 * A release by user id (an allocation whose answer never came) keeps that allocation's
 * deadline: licensing then frees only a seat granted no later, never the seat a later
 * allocation for the same user was handed on any replica (R9; licensing migration 0003).
 * Null for releases by seat id, and for rows written before this migration (they release as
 * before).
 */
export class Migration0012SeatReleaseDeadline extends Migration {
  override async up(): Promise<void> {
    this.addSql("alter table identity.seat_release add column granted_not_after timestamptz;");
  }
}
