import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { boundRows } from "../bound-sql.js";
import { joinSql, type SqlFragment, sql } from "./sql-fragment.js";

/** The rows of a filtered list that one page holds. */
export type PageWindow =
  /** SCIM startIndex/count and AIP-158 page tokens, in `orderBy` order. */
  | { kind: "offset"; orderBy: string; limit: number; offset: number }
  /** Cursor pagination (RFC 9865): a keyset by id after `after`, in id order. */
  | { kind: "keyset"; after?: string | undefined; limit: number };

/** What a list reads from: `from {table} {alias}`, the columns of a page row, the list's condition. */
export interface PageSource {
  table: string;
  alias: string;
  /** The select list of a page row, e.g. `u.*`; must not name a column `page_total`. */
  columns: string;
  where: SqlFragment;
}

/**
 * One page of a filtered list and the list's exact total, in ONE statement: the total is an
 * uncorrelated scalar subquery beside each page row (PostgreSQL runs it once, as an InitPlan),
 * so the page keeps its own top-level ORDER BY and both see one snapshot. Only a page that comes back
 * empty although the list may hold rows — past the end, or after the last cursor — costs a
 * second statement, a count; a page of size 0 is the count alone.
 */
export async function countedPage<R>(
  source: MikroORM | EntityManager,
  from: PageSource,
  window: PageWindow,
  /**
   * Wraps the page statement (never the count), e.g. to read what belongs to the page's rows in
   * the same statement; gets the page and the ORDER BY the wrapper must keep.
   */
  decorate?: (page: SqlFragment, orderBy: string) => SqlFragment,
): Promise<{ rows: R[]; total: number }> {
  const { table, alias, where } = from;
  const count = sql(
    `select count(*)::int as page_total from ${table} ${alias} where ${where.sql}`,
    ...where.params,
  );
  if (window.limit === 0) return { rows: [], total: await totalOf(source, count) };
  const page =
    window.kind === "offset"
      ? sql(
          `${pageSelect(from, count)} where ${where.sql} order by ${window.orderBy} limit ? offset ?`,
          ...count.params,
          ...where.params,
          window.limit,
          window.offset,
        )
      : keysetPage(from, count, window);
  const statement = decorate
    ? decorate(page, window.kind === "offset" ? window.orderBy : `${alias}.id`)
    : page;
  const rows = await boundRows<R & { page_total: number }>(source, statement.sql, statement.params);
  const [first] = rows;
  if (first) return { rows, total: first.page_total };
  const mayHoldRows = window.kind === "offset" ? window.offset > 0 : window.after !== undefined;
  return { rows, total: mayHoldRows ? await totalOf(source, count) : 0 };
}

function pageSelect(from: PageSource, count: SqlFragment): string {
  return `select ${from.columns}, (${count.sql}) as page_total from ${from.table} ${from.alias}`;
}

function keysetPage(
  from: PageSource,
  count: SqlFragment,
  window: { after?: string | undefined; limit: number },
): SqlFragment {
  const id = `${from.alias}.id`;
  const where = window.after
    ? joinSql([from.where, sql(`${id} > ?::uuid`, window.after)], " and ")
    : from.where;
  return sql(
    `${pageSelect(from, count)} where ${where.sql} order by ${id} limit ?`,
    ...count.params,
    ...where.params,
    window.limit,
  );
}

async function totalOf(source: MikroORM | EntityManager, count: SqlFragment): Promise<number> {
  const [row] = await boundRows<{ page_total: number }>(source, count.sql, count.params);
  return row?.page_total ?? 0;
}
