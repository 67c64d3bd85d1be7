import type { ServiceImpl } from "@connectrpc/connect";
import { type GroupService, MoveGroupPolicy } from "@cosafe/proto/identity";
import { callContextOf } from "@cosafe/rpc";
import { cursorRequest, encodeCursor } from "../domain/cursor.js";
import { invalidArgument } from "../domain/domain-error.js";
import type { GroupCommands } from "../domain/group/group-commands.js";
import type { GroupField } from "../domain/group/group-input.js";
import type { GroupQueries } from "../domain/group/group-queries.js";
import { memberPageStart, memberPageTokenAfter } from "../domain/group/member-page-token.js";
import { nextPageToken, pageRequest } from "../domain/page.js";
import type { ScimControl } from "../domain/scim-control/scim-control.js";
import { toGroupMemberColumns, toGroupMemberMessage, toGroupMessage } from "./convert/group-convert.js";
import { decodeKeyset, encodeKeyset, keysetPageLimit } from "./keyset-token.js";
import { required } from "./required.js";
import { userGroupsPage } from "./user-groups-page.js";

/** Largest page of members one call answers (ListGroupMembers, GetGroup with include_members). */
const memberPageMax = 10_000;

const groupMaskPaths: Record<string, GroupField> = {
  display_name: "display_name",
  external_id: "external_id",
};

function groupMask(paths: readonly string[]): GroupField[] {
  return paths.map((path) => {
    const field = groupMaskPaths[path];
    if (!field)
      throw invalidArgument("UPDATE_MASK_INVALID", `update_mask names an unknown group field "${path}"`);
    return field;
  });
}

/** cosafe.identity.v1.GroupService. */
export function groupService(deps: {
  groups: GroupCommands;
  groupQueries: GroupQueries;
  scimControl: ScimControl;
}): ServiceImpl<typeof GroupService> {
  return {
    async unlinkGroup(req, ctx) {
      const call = callContextOf(ctx);
      const outcome = await deps.scimControl.unlinkGroup(call, req.tenantId, req.groupId);
      const { etag } = await deps.groupQueries.get(call, req.tenantId, outcome.group.id);
      return {
        group: toGroupMessage(outcome.group, etag),
        membershipsConverted: outcome.membershipsConverted,
        dormantMembershipsRemoved: outcome.dormantMembershipsRemoved,
        changed: outcome.changed,
      };
    },
    async createGroup(req, ctx) {
      const input = required(req.group, "group");
      const group = await deps.groups.create(
        callContextOf(ctx),
        req.tenantId,
        { displayName: input.displayName, externalId: input.externalId, accountId: input.accountId },
        req.memberUserIds,
      );
      const { etag } = await deps.groupQueries.get(callContextOf(ctx), req.tenantId, group.id);
      return { group: toGroupMessage(group, etag) };
    },
    async getGroup(req, ctx) {
      const call = callContextOf(ctx);
      const { group, etag } = await deps.groupQueries.get(call, req.tenantId, req.groupId);
      if (!req.includeMembers) return { group: toGroupMessage(group, etag) };
      // No total: GetGroup does not answer one, and counting a large group costs more than its page.
      const start = { offset: 0 };
      const { members, more } = await deps.groupQueries.members(call, req.tenantId, group.id, {
        start,
        limit: memberPageMax,
        includeDormant: false,
        countTotal: false,
      });
      return {
        group: toGroupMessage(group, etag),
        members: toGroupMemberColumns(members),
        nextMemberPageToken: memberPageTokenAfter(start, members, more),
      };
    },
    async listGroups(req, ctx) {
      const page = pageRequest(req, { max: 1000 });
      const cursor =
        req.cursor === undefined
          ? undefined
          : cursorRequest(req.cursor, {
              pageSize: req.pageSize,
              max: 1000,
              sorted: Boolean(req.orderBy?.field),
              skip: req.skip,
            });
      const { groups, total, nextAfter } = await deps.groupQueries.list(callContextOf(ctx), req.tenantId, {
        filter: req.filter,
        orderBy: req.orderBy,
        page,
        cursor,
      });
      return {
        groups: groups.map((g) => toGroupMessage(g.group, g.etag)),
        totalSize: total,
        nextPageToken: cursor ? "" : nextPageToken(page, groups.length, total),
        nextCursor: nextAfter ? encodeCursor(nextAfter) : "",
      };
    },
    async updateGroup(req, ctx) {
      const input = required(req.group, "group");
      const group = await deps.groups.update(
        callContextOf(ctx),
        req.tenantId,
        input.id,
        { displayName: input.displayName, externalId: input.externalId },
        groupMask(req.updateMask?.paths ?? []),
        req.etag || undefined,
      );
      const { etag } = await deps.groupQueries.get(callContextOf(ctx), req.tenantId, group.id);
      return { group: toGroupMessage(group, etag) };
    },
    async deleteGroup(req, ctx) {
      const deprovisioned = await deps.groups.delete(
        callContextOf(ctx),
        req.tenantId,
        req.groupId,
        req.etag || undefined,
      );
      return { deprovisionedUserIds: deprovisioned };
    },
    async addGroupMembers(req, ctx) {
      const outcome = await deps.groups.addMembers(
        callContextOf(ctx),
        req.tenantId,
        req.groupId,
        req.userIds,
      );
      return { addedUserIds: outcome.added, reprovisionedUserIds: outcome.reprovisioned };
    },
    async removeGroupMembers(req, ctx) {
      const outcome = await deps.groups.removeMembers(
        callContextOf(ctx),
        req.tenantId,
        req.groupId,
        req.userIds,
      );
      return { removedUserIds: outcome.removed, deprovisionedUserIds: outcome.deprovisioned };
    },
    async replaceGroupMembers(req, ctx) {
      const outcome = await deps.groups.replaceMembers(
        callContextOf(ctx),
        req.tenantId,
        req.groupId,
        req.userIds,
      );
      return {
        addedUserIds: outcome.added,
        removedUserIds: outcome.removed,
        deprovisionedUserIds: outcome.deprovisioned,
        reprovisionedUserIds: outcome.reprovisioned,
      };
    },
    async modifyGroup(req, ctx) {
      const outcome = await deps.groups.modify(callContextOf(ctx), req.tenantId, req.groupId, {
        etag: req.etag || undefined,
        displayName: req.displayName,
        externalId: req.externalId,
        add: req.addUserIds,
        remove: req.removeUserIds,
        replace: req.replaceMembers?.userIds,
        returnMembers: req.returnMembers,
      });
      const members = outcome.members ?? [];
      return {
        group: toGroupMessage(outcome.group, outcome.etag),
        addedUserIds: outcome.added,
        removedUserIds: outcome.removed,
        deprovisionedUserIds: outcome.deprovisioned,
        reprovisionedUserIds: outcome.reprovisioned,
        members: members.map(toGroupMemberMessage),
        nextMemberPageToken: nextPageToken(
          { offset: 0, limit: members.length },
          members.length,
          outcome.membersTotal,
        ),
      };
    },
    async listGroupMembers(req, ctx) {
      if (req.pageSize < 0) throw invalidArgument("PAGE_INVALID", "page_size must not be negative");
      const start = memberPageStart(req.pageToken);
      const { members, more, total } = await deps.groupQueries.members(
        callContextOf(ctx),
        req.tenantId,
        req.groupId,
        {
          start,
          limit: Math.min(req.pageSize, memberPageMax),
          includeDormant: req.includeDormant,
          countTotal: !req.skipTotal,
        },
      );
      const page = { totalSize: total ?? 0, nextPageToken: memberPageTokenAfter(start, members, more) };
      if (req.asColumns) return { memberColumns: toGroupMemberColumns(members), ...page };
      return { members: members.map(toGroupMemberMessage), ...page };
    },
    async listMembersOfGroups(req, ctx) {
      const after = req.pageToken ? decodeKeyset(req.pageToken) : undefined;
      const { members, more } = await deps.groupQueries.membersOfGroups(
        callContextOf(ctx),
        req.tenantId,
        req.groupIds,
        { limit: keysetPageLimit(req.pageSize), after: after && { groupId: after[0], userId: after[1] } },
      );
      const last = members.at(-1);
      return {
        members: members.map((m) => ({ groupId: m.groupId, member: toGroupMemberMessage(m) })),
        nextPageToken: more && last ? encodeKeyset(last.groupId, last.userId) : "",
      };
    },
    async listGroupsOfUsers(req, ctx) {
      return userGroupsPage(deps.groupQueries, callContextOf(ctx), req.tenantId, req.userIds, req);
    },
    async moveGroup(req, ctx) {
      if (req.policy === MoveGroupPolicy.UNSPECIFIED) {
        throw invalidArgument(
          "MOVE_POLICY_REQUIRED",
          "moving a group needs a policy: ADD_MEMBERS or REMOVE_MEMBERS (R16)",
        );
      }
      const policy = req.policy === MoveGroupPolicy.ADD_MEMBERS ? "ADD_MEMBERS" : "REMOVE_MEMBERS";
      const group = await deps.groups.move(
        callContextOf(ctx),
        req.tenantId,
        req.groupId,
        req.targetAccountId,
        policy,
      );
      const { etag } = await deps.groupQueries.get(callContextOf(ctx), req.tenantId, group.id);
      return { group: toGroupMessage(group, etag) };
    },
  };
}
