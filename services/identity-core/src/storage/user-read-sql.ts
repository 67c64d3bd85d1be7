import { SortOrder, UserField, type UserOrderBy } from "@cosafe/proto/identity";
import type { MikroORM } from "@mikro-orm/postgresql";
import { invalidArgument } from "../domain/domain-error.js";
import type { UserGroupView } from "../domain/group/user-groups.js";
import { boundRows } from "./bound-sql.js";
import type { User } from "./entities.js";
import { countedPage } from "./query/counted-page.js";
import { visibleMembershipSql } from "./query/membership-visibility.js";
import { joinSql, type SqlFragment, sql } from "./query/sql-fragment.js";
import { userSortColumns } from "./query/user-filter-sql.js";
import { type UserRow, userFromRow } from "./user-row.js";

/**
 * Reads of users (issue 11): bound statements mapped straight from rows, no unit of work or
 * identity map — a GetUser is one statement, a page of ListUsers with its total is one.
 */

const selectUserSql = "select u.* from identity.app_user u where u.id = ?::uuid and u.tenant_id = ?::uuid";

/** The user of the tenant with this id (a UUID), if any. */
export async function selectUser(orm: MikroORM, tenantId: string, userId: string): Promise<User | undefined> {
  const [row] = await boundRows<UserRow>(orm, selectUserSql, [userId, tenantId]);
  return row ? userFromRow(row) : undefined;
}

/**
 * The users' groups to read with them (SCIM User.groups, `include_groups`): the memberships the
 * caller sees (R10; SCIM: dormant ones too, as ListGroupsOfUsers), at most `limit` in
 * (user id, group id) order.
 */
export interface UserGroupsQuery {
  scimView: boolean;
  limit: number;
}

/** The users' groups read with them: the first `limit` in (user, group) order, and whether more follow. */
export interface UserGroupsRead {
  groups: UserGroupView[];
  more: boolean;
}

type RowWithGroups = UserRow & { user_groups: [string, string][] | null };

/**
 * The page in `page` (rows of app_user as `u`) with each row's groups beside it, in ONE
 * statement: the first `limit + 1` visible memberships of the page's users in (user, group)
 * order — as selectGroupsOfUsers reads them — aggregated per user, the page's order kept.
 */
function withGroupsSql(
  page: SqlFragment,
  orderBy: string,
  tenantId: string,
  query: UserGroupsQuery,
): SqlFragment {
  const visible = visibleMembershipSql({ scimView: query.scimView, includeDormant: false });
  return sql(
    `with u as materialized (${page.sql}),
     ug as (select m.user_id, m.group_id, g.display_name
              from u join identity.group_membership m on m.user_id = u.id
              join identity.app_group g on g.id = m.group_id
             where m.tenant_id = ?::uuid and ${visible} and g.deleted_at is null
             order by m.user_id, m.group_id limit ?),
     ugj as (select user_id, json_agg(json_build_array(group_id, display_name) order by group_id) as user_groups
               from ug group by user_id)
     select u.*, ugj.user_groups from u left join ugj on ugj.user_id = u.id order by ${orderBy}`,
    ...page.params,
    tenantId,
    query.limit + 1,
  );
}

function groupsOfRows(rows: readonly RowWithGroups[], limit: number): UserGroupsRead {
  const groups: UserGroupView[] = [];
  for (const row of [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    for (const [groupId, display] of row.user_groups ?? []) groups.push({ userId: row.id, groupId, display });
  }
  const more = groups.length > limit;
  if (more) groups.length = limit;
  return { groups, more };
}

/** selectUser and the user's groups, in one statement. */
export async function selectUserWithGroups(
  orm: MikroORM,
  tenantId: string,
  userId: string,
  groups: UserGroupsQuery,
): Promise<{ user: User; groups: UserGroupsRead } | undefined> {
  const statement = withGroupsSql(sql(selectUserSql, userId, tenantId), "u.id", tenantId, groups);
  const rows = await boundRows<RowWithGroups>(orm, statement.sql, statement.params);
  const [row] = rows;
  return row ? { user: userFromRow(row), groups: groupsOfRows(rows, groups.limit) } : undefined;
}

export type UserPageWindow =
  | { kind: "offset"; orderBy?: UserOrderBy | undefined; limit: number; offset: number }
  /** Keyset by id after `after` (RFC 9865); `more` says whether rows follow the page. */
  | { kind: "keyset"; after?: string | undefined; limit: number };

/**
 * A page of the tenant's users matching `filter` (from userFilterSql) and their exact total.
 * One statement, a second only when the page comes back empty past the end (countedPage).
 */
export async function selectUserPage(
  orm: MikroORM,
  query: {
    tenantId: string;
    filter?: SqlFragment | undefined;
    window: UserPageWindow;
    /** Also the page's users' groups, in the same statement. */
    groups?: UserGroupsQuery | undefined;
  },
): Promise<{ users: User[]; total: number; more: boolean; groups?: UserGroupsRead }> {
  const { window, groups } = query;
  const where = joinSql(
    [sql("u.tenant_id = ?::uuid", query.tenantId), ...(query.filter ? [query.filter] : [])],
    " and ",
  );
  const from = { table: "identity.app_user", alias: "u", columns: "u.*", where };
  const decorate = groups
    ? (page: SqlFragment, orderBy: string) => withGroupsSql(page, orderBy, query.tenantId, groups)
    : undefined;
  const groupsOf = (rows: RowWithGroups[]) => (groups ? { groups: groupsOfRows(rows, groups.limit) } : {});
  if (window.kind === "keyset") {
    // One row beyond the page tells whether another page follows.
    const fetch = window.limit === 0 ? 0 : window.limit + 1;
    const { rows, total } = await countedPage<RowWithGroups>(
      orm,
      from,
      { ...window, limit: fetch },
      decorate,
    );
    const page = rows.slice(0, window.limit);
    return { users: page.map(userFromRow), total, more: rows.length > window.limit, ...groupsOf(page) };
  }
  const orderBy = window.limit === 0 ? "" : userOrderSql(window.orderBy);
  const { rows, total } = await countedPage<RowWithGroups>(orm, from, { ...window, orderBy }, decorate);
  return { users: rows.map(userFromRow), total, more: false, ...groupsOf(rows) };
}

/** ORDER BY of a sorted list: created first by default; ties (and nulls, last) broken by id. */
function userOrderSql(orderBy: UserOrderBy | undefined): string {
  if (!orderBy || orderBy.field === UserField.UNSPECIFIED) return "u.created_at, u.id";
  const column = userSortColumns[orderBy.field];
  if (!column) throw invalidArgument("SORT_INVALID", `users cannot be sorted by ${UserField[orderBy.field]}`);
  const direction = orderBy.order === SortOrder.DESCENDING ? "desc" : "asc";
  return `${column} ${direction} nulls last, u.id ${direction}`;
}
