import { Role, type UserFilter, type UserOrderBy } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { isUuid } from "@cosafe/storage";
import type { MikroORM } from "@mikro-orm/postgresql";
import type { User } from "../../storage/entities.js";
import { userFilterSql } from "../../storage/query/user-filter-sql.js";
import { selectUser, selectUserPage } from "../../storage/user-read-sql.js";
import { requireTenantAccess } from "../access.js";
import type { CursorRequest } from "../cursor.js";
import { notFound } from "../domain-error.js";
import type { PageRequest } from "../page.js";

const readers = [Role.SCIM, Role.ADMIN, Role.SUPPORT, Role.SYSTEM] as const;

export interface UserListQuery {
  filter?: UserFilter | undefined;
  orderBy?: UserOrderBy | undefined;
  page: PageRequest;
  /** Cursor pagination (RFC 9865): keyset by id; `page` is then unused. */
  cursor?: CursorRequest | undefined;
}

/**
 * Reads users: one by id, or a filtered, sorted page with the exact total — all in SQL, one
 * statement each (issue 11; storage/user-read-sql.ts).
 */
export class UserQueries {
  constructor(private readonly orm: MikroORM) {}

  async get(call: CallContext, tenantId: string, userId: string): Promise<User> {
    requireTenantAccess(call, tenantId, readers);
    const user = isUuid(userId) ? await selectUser(this.orm, tenantId, userId) : undefined;
    if (!user) throw notFound("USER_NOT_FOUND", `user ${userId} not found`);
    return user;
  }

  async list(
    call: CallContext,
    tenantId: string,
    query: UserListQuery,
  ): Promise<{ users: User[]; total: number; nextAfter?: string | undefined }> {
    requireTenantAccess(call, tenantId, readers);
    const filter = query.filter
      ? userFilterSql(query.filter, { scimView: call.actor.role === Role.SCIM })
      : undefined;
    if (query.cursor) {
      const { after, limit } = query.cursor;
      const { users, total, more } = await selectUserPage(this.orm, {
        tenantId,
        filter,
        window: { kind: "keyset", after, limit },
      });
      const last = users.at(-1);
      return { users, total, nextAfter: more && last ? last.id : undefined };
    }
    const { users, total } = await selectUserPage(this.orm, {
      tenantId,
      filter,
      window: { kind: "offset", orderBy: query.orderBy, ...query.page },
    });
    return { users, total };
  }
}
