import type { ServiceImpl } from "@connectrpc/connect";
import type { UserService } from "@cosafe/proto/identity";
import { type CallContext, callContextOf } from "@cosafe/rpc";
import { cursorRequest, encodeCursor } from "../domain/cursor.js";
import type { GroupQueries } from "../domain/group/group-queries.js";
import { nextPageToken, pageRequest } from "../domain/page.js";
import type { ScimControl } from "../domain/scim-control/scim-control.js";
import type { CreateUser } from "../domain/user/create-user.js";
import type { DeleteUser } from "../domain/user/delete-user.js";
import type { InviteUser } from "../domain/user/invite-user.js";
import type { UpdateUser } from "../domain/user/update-user.js";
import type { UserQueries } from "../domain/user/user-queries.js";
import { toUserInput, toUserMessage } from "./convert/user-convert.js";
import { required } from "./required.js";
import { firstGroupsPage, groupsAnswer, userGroupsPage } from "./user-groups-page.js";

/** cosafe.identity.v1.UserService: unpack, call the domain, convert back. */
export interface UserServiceDeps {
  createUser: CreateUser;
  updateUser: UpdateUser;
  deleteUser: DeleteUser;
  inviteUser: InviteUser;
  users: UserQueries;
  scimControl: ScimControl;
  groupQueries: GroupQueries;
}

export function userService(deps: UserServiceDeps): ServiceImpl<typeof UserService> {
  /** The users' groups when the caller asked for them (`include_groups`): SCIM reads need no second call. */
  const groupsOf = async (asked: boolean, call: CallContext, tenantId: string, userIds: string[]) => {
    if (!asked || userIds.length === 0) return { groups: [], groupsNextPageToken: "" };
    const page = await userGroupsPage(deps.groupQueries, call, tenantId, userIds);
    return { groups: page.groups, groupsNextPageToken: page.nextPageToken };
  };
  return {
    async createUser(req, ctx) {
      const { user, notices } = await deps.createUser.run(
        callContextOf(ctx),
        req.tenantId,
        toUserInput(required(req.user, "user")),
        ctx.signal,
      );
      return { user: toUserMessage(user), notices };
    },
    async getUser(req, ctx) {
      const call = callContextOf(ctx);
      if (!req.includeGroups) {
        const user = await deps.users.get(call, req.tenantId, req.userId);
        return { user: toUserMessage(user), groups: [], groupsNextPageToken: "" };
      }
      const { user, groups } = await deps.users.getWithGroups(
        call,
        req.tenantId,
        req.userId,
        firstGroupsPage,
      );
      return { user: toUserMessage(user), ...groupsAnswer(groups) };
    },
    async listUsers(req, ctx) {
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
      const call = callContextOf(ctx);
      const { users, total, nextAfter, groups } = await deps.users.list(call, req.tenantId, {
        filter: req.filter,
        orderBy: req.orderBy,
        page,
        cursor,
        groupsLimit: req.includeGroups ? firstGroupsPage : undefined,
      });
      return {
        users: users.map(toUserMessage),
        totalSize: total,
        nextPageToken: cursor ? "" : nextPageToken(page, users.length, total),
        nextCursor: nextAfter ? encodeCursor(nextAfter) : "",
        ...groupsAnswer(groups),
      };
    },
    async updateUser(req, ctx) {
      const input = required(req.user, "user");
      const call = callContextOf(ctx);
      const { user, notices } = await deps.updateUser.run(
        call,
        req.tenantId,
        {
          userId: input.id,
          input: toUserInput(input),
          mask: req.updateMask?.paths ?? [],
          etag: req.etag || undefined,
          overrideScimLock: req.overrideScimLock,
          base: req.base ? toUserInput(req.base) : undefined,
        },
        ctx.signal,
      );
      return {
        user: toUserMessage(user),
        notices,
        ...(await groupsOf(req.includeGroups, call, req.tenantId, [user.id])),
      };
    },
    async deleteUser(req, ctx) {
      await deps.deleteUser.run(callContextOf(ctx), req.tenantId, req.userId, req.etag || undefined);
      return {};
    },
    async inviteUser(req, ctx) {
      const invitation = await deps.inviteUser.run(callContextOf(ctx), req.tenantId, req.userId, req.email);
      return { invitationId: invitation.id, email: invitation.email };
    },
    async unadoptUser(req, ctx) {
      const { user, changed } = await deps.scimControl.unadoptUser(
        callContextOf(ctx),
        req.tenantId,
        req.userId,
      );
      return { user: toUserMessage(user), changed };
    },
  };
}
