import { GroupField, type GroupFilter, type GroupOrderBy, Role, SortOrder } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { isUuid } from "@cosafe/storage";
import type { MikroORM } from "@mikro-orm/postgresql";
import { type Group, GroupSchema } from "../../storage/entities.js";
import { groupFilterSql, groupSortColumns } from "../../storage/query/group-filter-sql.js";
import { joinSql, sql } from "../../storage/query/sql-fragment.js";
import { requireTenantAccess } from "../access.js";
import type { CursorRequest } from "../cursor.js";
import { invalidArgument } from "../domain-error.js";
import type { PageRequest } from "../page.js";
import { findGroup } from "./find-group.js";
import { groupEtag, groupEtags } from "./group-etag.js";
import { type MemberKey, type MemberView, memberPage, membersOfGroups } from "./member-page.js";
import { groupsOfUsers, type UserGroupKey } from "./user-groups.js";

export type { MemberView };

const readers = [Role.SCIM, Role.ADMIN, Role.SUPPORT, Role.SYSTEM] as const;

export interface GroupView {
  group: Group;
  etag: string;
}

/** Reads groups — never with their members, which come only from the paged member list (R25). */
export class GroupQueries {
  constructor(private readonly orm: MikroORM) {}

  async get(call: CallContext, tenantId: string, groupId: string): Promise<GroupView> {
    requireTenantAccess(call, tenantId, readers);
    const em = this.orm.em.fork();
    const group = await findGroup(em, tenantId, groupId);
    return { group, etag: await groupEtag(em, group) };
  }

  async list(
    call: CallContext,
    tenantId: string,
    query: {
      filter?: GroupFilter | undefined;
      orderBy?: GroupOrderBy | undefined;
      page: PageRequest;
      /** Cursor pagination (RFC 9865): keyset by id; `page` is then unused. */
      cursor?: CursorRequest | undefined;
    },
  ): Promise<{ groups: GroupView[]; total: number; nextAfter?: string | undefined }> {
    requireTenantAccess(call, tenantId, readers);
    const where = joinSql(
      [
        sql("g.tenant_id = ? and g.deleted_at is null", tenantId),
        ...(query.filter ? [groupFilterSql(query.filter, { scimView: call.actor.role === Role.SCIM })] : []),
      ],
      " and ",
    );
    const em = this.orm.em.fork();
    const [{ total }] = (await em.execute(
      `select count(*)::int as total from identity.app_group g where ${where.sql}`,
      where.params,
    )) as [{ total: number }];
    if (query.cursor) {
      const { after, limit } = query.cursor;
      if (limit === 0) return { groups: [], total };
      const keyset = after ? joinSql([where, sql("g.id > ?::uuid", after)], " and ") : where;
      const rows = await em.execute(
        `select g.* from identity.app_group g where ${keyset.sql} order by g.id limit ?`,
        [...keyset.params, limit + 1],
      );
      const groups = rows.slice(0, limit).map((row: Record<string, unknown>) => em.map(GroupSchema, row));
      const etags = await groupEtags(em, groups);
      const last = groups.at(-1);
      return {
        groups: groups.map((group) => ({ group, etag: etags.get(group.id) ?? "" })),
        total,
        nextAfter: rows.length > limit && last ? last.id : undefined,
      };
    }
    if (query.page.limit === 0 || total <= query.page.offset) return { groups: [], total };
    const rows = await em.execute(
      `select g.* from identity.app_group g where ${where.sql} order by ${orderBySql(query.orderBy)} limit ? offset ?`,
      [...where.params, query.page.limit, query.page.offset],
    );
    const groups = rows.map((row: Record<string, unknown>) => em.map(GroupSchema, row));
    const etags = await groupEtags(em, groups);
    return { groups: groups.map((group) => ({ group, etag: etags.get(group.id) ?? "" })), total };
  }

  /** Members of several groups (ListMembersOfGroups), keyset-paged in (group, user) order (R25). */
  async membersOfGroups(
    call: CallContext,
    tenantId: string,
    groupIds: readonly string[],
    query: { limit: number; after?: MemberKey | undefined },
  ) {
    requireTenantAccess(call, tenantId, readers);
    if (groupIds.length > 1000) throw invalidArgument("TOO_MANY_GROUPS", "at most 1000 group ids per call");
    const ids = [...new Set(groupIds.map((id) => id.toLowerCase()))].filter(isUuid);
    return membersOfGroups(this.orm.em.fork(), call, tenantId, ids, query);
  }

  /** Groups of several users (ListGroupsOfUsers, SCIM User.groups), keyset-paged in (user, group) order. */
  async groupsOfUsers(
    call: CallContext,
    tenantId: string,
    userIds: readonly string[],
    query: { limit: number; after?: UserGroupKey | undefined },
  ) {
    requireTenantAccess(call, tenantId, readers);
    if (userIds.length > 1000) throw invalidArgument("TOO_MANY_USERS", "at most 1000 user ids per call");
    const ids = [...new Set(userIds.map((id) => id.toLowerCase()))].filter(isUuid);
    return groupsOfUsers(this.orm.em.fork(), call, tenantId, ids, query);
  }

  /**
   * Members of a group, paged, in user id order. SCIM sees what R10 says, dormant rows
   * included (R4); administrators see every active membership, dormant ones on request.
   */
  async members(
    call: CallContext,
    tenantId: string,
    groupId: string,
    query: { page: PageRequest; includeDormant: boolean },
  ): Promise<{ members: MemberView[]; total: number }> {
    requireTenantAccess(call, tenantId, readers);
    const em = this.orm.em.fork();
    const group = await findGroup(em, tenantId, groupId);
    return memberPage(em, call, group.id, query);
  }
}

function orderBySql(orderBy: GroupOrderBy | undefined): string {
  if (!orderBy || orderBy.field === GroupField.UNSPECIFIED) return "g.created_at, g.id";
  const column = groupSortColumns[orderBy.field];
  if (!column)
    throw invalidArgument("SORT_INVALID", `groups cannot be sorted by ${GroupField[orderBy.field]}`);
  const direction = orderBy.order === SortOrder.DESCENDING ? "desc" : "asc";
  return `${column} ${direction} nulls last, g.id ${direction}`;
}
