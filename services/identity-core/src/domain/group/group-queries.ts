import { type GroupFilter, type GroupOrderBy, Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { isUuid } from "@cosafe/storage";
import type { MikroORM } from "@mikro-orm/postgresql";
import type { Group } from "../../storage/entities.js";
import {
  type GroupVersioned,
  selectGroup,
  selectGroupPage,
  selectMemberPage,
} from "../../storage/group-read-sql.js";
import { groupFilterSql } from "../../storage/query/group-filter-sql.js";
import { requireTenantAccess } from "../access.js";
import type { CursorRequest } from "../cursor.js";
import { invalidArgument } from "../domain-error.js";
import type { PageRequest } from "../page.js";
import { liveGroup } from "./find-group.js";
import { groupEtagOf } from "./group-etag.js";
import { type MemberKey, type MemberView, membersOfGroups } from "./member-page.js";
import type { MemberPageStart } from "./member-page-token.js";
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

  /** One statement: the group row with its membership version (R25: never its members). */
  async get(call: CallContext, tenantId: string, groupId: string): Promise<GroupView> {
    requireTenantAccess(call, tenantId, readers);
    const found = isUuid(groupId) ? await selectGroup(this.orm, tenantId, groupId) : undefined;
    const group = liveGroup(groupId, found?.group);
    return { group, etag: groupEtagOf(group.version, found?.membershipChanges ?? "0") };
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
    const filter = query.filter
      ? groupFilterSql(query.filter, { scimView: call.actor.role === Role.SCIM })
      : undefined;
    if (query.cursor) {
      const { after, limit } = query.cursor;
      const { groups, total, more } = await selectGroupPage(this.orm, {
        tenantId,
        filter,
        window: { kind: "keyset", after, limit },
      });
      const last = groups.at(-1);
      return { groups: groups.map(view), total, nextAfter: more && last ? last.group.id : undefined };
    }
    const { groups, total } = await selectGroupPage(this.orm, {
      tenantId,
      filter,
      window: { kind: "offset", orderBy: query.orderBy, ...query.page },
    });
    return { groups: groups.map(view), total };
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
    return membersOfGroups(this.orm, call, tenantId, ids, query);
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
    return groupsOfUsers(this.orm, call, tenantId, ids, query);
  }

  /**
   * Members of a group, paged, in user id order, whether more follow and, when asked, their
   * total. SCIM sees what R10 says, dormant rows included (R4); administrators see every
   * active membership, dormant ones on request.
   */
  async members(
    call: CallContext,
    tenantId: string,
    groupId: string,
    query: { start: MemberPageStart; limit: number; includeDormant: boolean; countTotal: boolean },
  ): Promise<{ members: MemberView[]; more: boolean; total?: number }> {
    requireTenantAccess(call, tenantId, readers);
    const page = isUuid(groupId)
      ? await selectMemberPage(this.orm, {
          tenantId,
          groupId,
          scimView: call.actor.role === Role.SCIM,
          ...query,
        })
      : { group: undefined, members: [], more: false, total: 0 };
    const { group, ...found } = page;
    liveGroup(groupId, group);
    return found;
  }
}

const view = ({ group, membershipChanges }: GroupVersioned): GroupView => ({
  group,
  etag: groupEtagOf(group.version, membershipChanges),
});
