import { Migration } from "@mikro-orm/migrations";

/**
 * R25: a group's membership version without a hot row. Every transaction that changes a
 * group's memberships adds to one of a few counter rows of that group — the row of its own
 * database session (backend pid modulo the shard count) — so parallel changes on other
 * sessions never wait for each other, and the group row is neither written nor locked. The
 * version is the sum of the group's counters: a constant number of rows to read, however long
 * the group's history. Before this, the version counted the group's change-feed events, which
 * grew with every membership change ever made.
 */
export class Migration0003GroupMembershipVersion extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table identity.group_membership_version (
        group_id uuid not null references identity.app_group (id) on delete cascade deferrable initially deferred,
        shard smallint not null,
        changes bigint not null,
        primary key (group_id, shard)
      );
      insert into identity.group_membership_version (group_id, shard, changes)
      select e.group_id, 0, count(*) from identity.change_event e
        join identity.app_group g on g.id = e.group_id
       where e.type = 'MEMBERSHIP_CHANGED'
       group by e.group_id;
    `);
  }
}
