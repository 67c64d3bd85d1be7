import { GroupField, type GroupOrderBy, SortOrder } from "@cosafe/proto/identity";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { invalidArgument } from "../domain/domain-error.js";
import { boundRows } from "./bound-sql.js";
import type { Group } from "./entities.js";
import { type GroupRow, groupFromRow } from "./group-row.js";
import { countedPage } from "./query/counted-page.js";
import { groupSortColumns } from "./query/group-filter-sql.js";
import { visibleMembershipSql } from "./query/membership-visibility.js";
import { joinSql, type SqlFragment, sql } from "./query/sql-fragment.js";
import { dateOrNullFromRow } from "./row-dates.js";

/**
 * Reads of groups (issue 11): bound statements mapped straight from rows. A group comes with
 * its membership version (the sum of its few counter rows, migration 0003) for the ETag, in
 * the same statement — never with its members or their history (R25).
 */

/** A group row and the sum of its membership-version counters, as text ("0" without any). */
export interface GroupVersioned {
  group: Group;
  membershipChanges: string;
}

const membershipChangesSql = `(select coalesce(sum(v.changes), 0)::text from identity.group_membership_version v
     where v.group_id = g.id) as membership_changes`;

type VersionedRow = GroupRow & { membership_changes: string };

const versioned = (row: VersionedRow): GroupVersioned => ({
  group: groupFromRow(row),
  membershipChanges: row.membership_changes,
});

const selectGroupSql = `select g.*, ${membershipChangesSql}
  from identity.app_group g where g.id = ?::uuid and g.tenant_id = ?::uuid`;

/** The tenant's group with this id (a UUID), live or deleted (R18), with its membership version. */
export async function selectGroup(
  orm: MikroORM,
  tenantId: string,
  groupId: string,
): Promise<GroupVersioned | undefined> {
  const [row] = await boundRows<VersionedRow>(orm, selectGroupSql, [groupId, tenantId]);
  return row ? versioned(row) : undefined;
}

export type GroupPageWindow =
  | { kind: "offset"; orderBy?: GroupOrderBy | undefined; limit: number; offset: number }
  /** Keyset by id after `after` (RFC 9865); `more` says whether rows follow the page. */
  | { kind: "keyset"; after?: string | undefined; limit: number };

/**
 * A page of the tenant's live groups matching `filter` (from groupFilterSql), with their
 * membership versions, and the exact total: one statement, a second only when the page
 * comes back empty past the end (countedPage).
 */
export async function selectGroupPage(
  orm: MikroORM,
  query: { tenantId: string; filter?: SqlFragment | undefined; window: GroupPageWindow },
): Promise<{ groups: GroupVersioned[]; total: number; more: boolean }> {
  const { window } = query;
  const where = joinSql(
    [
      sql("g.tenant_id = ?::uuid and g.deleted_at is null", query.tenantId),
      ...(query.filter ? [query.filter] : []),
    ],
    " and ",
  );
  const from = { table: "identity.app_group", alias: "g", columns: `g.*, ${membershipChangesSql}`, where };
  if (window.kind === "keyset") {
    // One row beyond the page tells whether another page follows.
    const fetch = window.limit === 0 ? 0 : window.limit + 1;
    const { rows, total } = await countedPage<VersionedRow>(orm, from, { ...window, limit: fetch });
    return { groups: rows.slice(0, window.limit).map(versioned), total, more: rows.length > window.limit };
  }
  const orderBy = window.limit === 0 ? "" : groupOrderSql(window.orderBy);
  const { rows, total } = await countedPage<VersionedRow>(orm, from, { ...window, orderBy });
  return { groups: rows.map(versioned), total, more: false };
}

/** ORDER BY of a sorted list: created first by default; ties (and nulls, last) broken by id. */
function groupOrderSql(orderBy: GroupOrderBy | undefined): string {
  if (!orderBy || orderBy.field === GroupField.UNSPECIFIED) return "g.created_at, g.id";
  const column = groupSortColumns[orderBy.field];
  if (!column)
    throw invalidArgument("SORT_INVALID", `groups cannot be sorted by ${GroupField[orderBy.field]}`);
  const direction = orderBy.order === SortOrder.DESCENDING ? "desc" : "asc";
  return `${column} ${direction} nulls last, g.id ${direction}`;
}

/** A member as a member page shows it. */
export interface MemberEntry {
  userId: string;
  display: string;
  source: "SCIM" | "MANUAL";
  state: "ACTIVE" | "DORMANT";
}

interface MemberPageRow {
  deleted_at: Date | string | null;
  /** Only when the total is counted. */
  page_total?: number;
  /** Null on the one row of a page without members. */
  user_id: string | null;
  display_name: string;
  source: "SCIM" | "MANUAL";
  state: "ACTIVE" | "DORMANT";
}

/** The group's id is bound here too, not taken from `g`: the planner then sees how large the group is. */
const memberFrom = (visible: string) =>
  `from identity.group_membership m join identity.app_user u on u.id = m.user_id
    where m.group_id = ?::uuid and g.deleted_at is null and ${visible}`;

/** The statement of each visibility, total and start kind: a few fixed texts, each prepared once. */
const memberPageTexts = new Map<string, string>();

function memberPageText(visible: string, counted: boolean, keyset: boolean): string {
  const key = `${visible}|${counted}|${keyset}`;
  let text = memberPageTexts.get(key);
  if (text === undefined) {
    const from = memberFrom(visible);
    text = `select g.deleted_at${counted ? ", c.page_total" : ""}, p.user_id, p.display_name, p.source, p.state
       from identity.app_group g
       ${counted ? `cross join lateral (select count(*)::int as page_total ${from}) c` : ""}
       left join lateral (
         select m.user_id, u.display_name, m.source, m.state ${from}
         ${keyset ? "and m.user_id > ?::uuid order by m.user_id limit ?" : "order by m.user_id limit ? offset ?"}
       ) p on true
      where g.id = ?::uuid and g.tenant_id = ?::uuid
      order by p.user_id`;
    memberPageTexts.set(key, text);
  }
  return text;
}

/**
 * One page of a group's visible members (R10) in user id order, whether more follow, and
 * whether the group is there and live — one statement whatever the group's size (R25): the
 * group row by its key, then once for that row (lateral, not once per page row) the page and,
 * when asked, the total. A page that starts after a user id reads its own size from the
 * membership key; only an offset or the total reads past it. `group` is undefined when the
 * tenant has no group with this id; a deleted group (R18) comes without members. With an
 * EntityManager in a transaction, the statement runs in it.
 */
export async function selectMemberPage(
  orm: MikroORM | EntityManager,
  query: {
    tenantId: string;
    groupId: string;
    scimView: boolean;
    includeDormant: boolean;
    limit: number;
    /** After a user id when given (keyset), else after `offset` members. */
    start: { offset: number; afterUserId?: string | undefined };
    countTotal: boolean;
  },
): Promise<{ group?: { deletedAt: Date | null }; members: MemberEntry[]; more: boolean; total?: number }> {
  const after = query.start.afterUserId;
  const text = memberPageText(visibleMembershipSql(query), query.countTotal, after !== undefined);
  // One row past the page says whether another follows; a page of 0 only counts.
  const fetch = query.limit === 0 ? 0 : query.limit + 1;
  const position = after !== undefined ? [after, fetch] : [fetch, query.start.offset];
  const rows = await boundRows<MemberPageRow>(orm, text, [
    ...(query.countTotal ? [query.groupId] : []),
    query.groupId,
    ...position,
    query.groupId,
    query.tenantId,
  ]);
  const [first] = rows;
  if (!first) return { members: [], more: false, ...(query.countTotal ? { total: 0 } : {}) };
  const members: MemberEntry[] = [];
  for (const r of rows) {
    if (r.user_id !== null && members.length < query.limit)
      members.push({ userId: r.user_id, display: r.display_name, source: r.source, state: r.state });
  }
  const more = query.limit > 0 && rows.length > query.limit;
  return {
    group: { deletedAt: dateOrNullFromRow(first.deleted_at) },
    members,
    more,
    ...(query.countTotal ? { total: first.page_total ?? 0 } : {}),
  };
}
