import { Role, type UserFilter, type UserOrderBy } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { isUuid } from "@cosafe/storage";
import type { MikroORM } from "@mikro-orm/postgresql";
import type { User } from "../../storage/entities.js";
import { userFilterSql } from "../../storage/query/user-filter-sql.js";
import {
  selectUser,
  selectUserPage,
  selectUserWithGroups,
  type UserGroupsRead,
} from "../../storage/user-read-sql.js";
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
  /** Also the first `groupsLimit` groups of the page's users (SCIM User.groups), in the same statement. */
  groupsLimit?: number | undefined;
}

export type { UserGroupsRead };

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

  /** `get` and the user's first `groupsLimit` groups as the caller sees them (R10), in one statement. */
  async getWithGroups(
    call: CallContext,
    tenantId: string,
    userId: string,
    groupsLimit: number,
  ): Promise<{ user: User; groups: UserGroupsRead }> {
    requireTenantAccess(call, tenantId, readers);
    const found = isUuid(userId)
      ? await selectUserWithGroups(this.orm, tenantId, userId, groupsQuery(call, groupsLimit))
      : undefined;
    if (!found) throw notFound("USER_NOT_FOUND", `user ${userId} not found`);
    return found;
  }

  async list(
    call: CallContext,
    tenantId: string,
    query: UserListQuery,
  ): Promise<{
    users: User[];
    total: number;
    nextAfter?: string | undefined;
    groups?: UserGroupsRead | undefined;
  }> {
    requireTenantAccess(call, tenantId, readers);
    const groups = query.groupsLimit === undefined ? undefined : groupsQuery(call, query.groupsLimit);
    const filter = query.filter
      ? userFilterSql(query.filter, { scimView: call.actor.role === Role.SCIM })
      : undefined;
    if (query.cursor) {
      const { after, limit } = query.cursor;
      const page = await selectUserPage(this.orm, {
        tenantId,
        filter,
        window: { kind: "keyset", after, limit },
        groups,
      });
      const last = page.users.at(-1);
      return { ...page, nextAfter: page.more && last ? last.id : undefined };
    }
    return selectUserPage(this.orm, {
      tenantId,
      filter,
      window: { kind: "offset", orderBy: query.orderBy, ...query.page },
      groups,
    });
  }
}

/** SCIM sees the memberships R10 gives it; everyone else the active ones (as ListGroupsOfUsers). */
const groupsQuery = (call: CallContext, limit: number) => ({
  scimView: call.actor.role === Role.SCIM,
  limit,
});
