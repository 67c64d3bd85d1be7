import { Migration } from "@mikro-orm/migrations";

/**
 * Issue 16: SCIM User.groups (ListGroupsOfUsers) pages a set of users' memberships in
 * (user_id, group_id) order; this index serves that keyset walk and the `groups.value eq`
 * user filter without sorting, whatever the group sizes (R25).
 */
export class Migration0009UserGroupsIndex extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      "create index group_membership_user_group_idx on identity.group_membership (user_id, group_id);",
    );
  }
}
