import { SortOrder, UserField, type UserOrderBy } from "@cosafe/proto/identity";
import type { MikroORM } from "@mikro-orm/postgresql";
import { invalidArgument } from "../domain/domain-error.js";
import { boundRows } from "./bound-sql.js";
import type { User } from "./entities.js";
import { countedPage } from "./query/counted-page.js";
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
  query: { tenantId: string; filter?: SqlFragment | undefined; window: UserPageWindow },
): Promise<{ users: User[]; total: number; more: boolean }> {
  const { window } = query;
  const where = joinSql(
    [sql("u.tenant_id = ?::uuid", query.tenantId), ...(query.filter ? [query.filter] : [])],
    " and ",
  );
  const from = { table: "identity.app_user", alias: "u", columns: "u.*", where };
  if (window.kind === "keyset") {
    // One row beyond the page tells whether another page follows.
    const fetch = window.limit === 0 ? 0 : window.limit + 1;
    const { rows, total } = await countedPage<UserRow>(orm, from, { ...window, limit: fetch });
    return { users: rows.slice(0, window.limit).map(userFromRow), total, more: rows.length > window.limit };
  }
  const orderBy = window.limit === 0 ? "" : userOrderSql(window.orderBy);
  const { rows, total } = await countedPage<UserRow>(orm, from, { ...window, orderBy });
  return { users: rows.map(userFromRow), total, more: false };
}

/** ORDER BY of a sorted list: created first by default; ties (and nulls, last) broken by id. */
function userOrderSql(orderBy: UserOrderBy | undefined): string {
  if (!orderBy || orderBy.field === UserField.UNSPECIFIED) return "u.created_at, u.id";
  const column = userSortColumns[orderBy.field];
  if (!column) throw invalidArgument("SORT_INVALID", `users cannot be sorted by ${UserField[orderBy.field]}`);
  const direction = orderBy.order === SortOrder.DESCENDING ? "desc" : "asc";
  return `${column} ${direction} nulls last, u.id ${direction}`;
}
