import { Role, SortOrder, UserField, type UserFilter, type UserOrderBy } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { isUuid } from "@cosafe/storage";
import type { MikroORM } from "@mikro-orm/postgresql";
import { type User, UserSchema } from "../../storage/entities.js";
import { joinSql, sql } from "../../storage/query/sql-fragment.js";
import { userFilterSql, userSortColumns } from "../../storage/query/user-filter-sql.js";
import { requireTenantAccess } from "../access.js";
import type { CursorRequest } from "../cursor.js";
import { invalidArgument, notFound } from "../domain-error.js";
import type { PageRequest } from "../page.js";

const readers = [Role.SCIM, Role.ADMIN, Role.SUPPORT, Role.SYSTEM] as const;

export interface UserListQuery {
  filter?: UserFilter | undefined;
  orderBy?: UserOrderBy | undefined;
  page: PageRequest;
  /** Cursor pagination (RFC 9865): keyset by id; `page` is then unused. */
  cursor?: CursorRequest | undefined;
}

/** Reads users: one by id, or a filtered, sorted page with the exact total — all in SQL. */
export class UserQueries {
  constructor(private readonly orm: MikroORM) {}

  async get(call: CallContext, tenantId: string, userId: string): Promise<User> {
    requireTenantAccess(call, tenantId, readers);
    const user = isUuid(userId)
      ? await this.orm.em.fork().findOne(UserSchema, { id: userId, tenantId })
      : null;
    if (!user) throw notFound("USER_NOT_FOUND", `user ${userId} not found`);
    return user;
  }

  async list(
    call: CallContext,
    tenantId: string,
    query: UserListQuery,
  ): Promise<{ users: User[]; total: number; nextAfter?: string | undefined }> {
    requireTenantAccess(call, tenantId, readers);
    const where = joinSql(
      [
        sql("u.tenant_id = ?", tenantId),
        ...(query.filter ? [userFilterSql(query.filter, { scimView: call.actor.role === Role.SCIM })] : []),
      ],
      " and ",
    );
    const em = this.orm.em.fork();
    const connection = em.getConnection();
    const [{ total }] = (await connection.execute(
      `select count(*)::int as total from identity.app_user u where ${where.sql}`,
      where.params,
    )) as [{ total: number }];
    if (query.cursor) {
      const { after, limit } = query.cursor;
      if (limit === 0) return { users: [], total };
      const keyset = after ? joinSql([where, sql("u.id > ?::uuid", after)], " and ") : where;
      const rows = await connection.execute(
        `select u.* from identity.app_user u where ${keyset.sql} order by u.id limit ?`,
        [...keyset.params, limit + 1],
      );
      const users = rows.slice(0, limit).map((row: Record<string, unknown>) => em.map(UserSchema, row));
      const last = users.at(-1);
      return { users, total, nextAfter: rows.length > limit && last ? last.id : undefined };
    }
    if (query.page.limit === 0 || total <= query.page.offset) return { users: [], total };
    const rows = await connection.execute(
      `select u.* from identity.app_user u where ${where.sql} order by ${orderBySql(query.orderBy)} limit ? offset ?`,
      [...where.params, query.page.limit, query.page.offset],
    );
    return { users: rows.map((row: Record<string, unknown>) => em.map(UserSchema, row)), total };
  }
}

function orderBySql(orderBy: UserOrderBy | undefined): string {
  if (!orderBy || orderBy.field === UserField.UNSPECIFIED) return "u.created_at, u.id";
  const column = userSortColumns[orderBy.field];
  if (!column) throw invalidArgument("SORT_INVALID", `users cannot be sorted by ${UserField[orderBy.field]}`);
  const direction = orderBy.order === SortOrder.DESCENDING ? "desc" : "asc";
  return `${column} ${direction} nulls last, u.id ${direction}`;
}
