import type { UpdateUserResponse, User } from "@cosafe/proto/identity";
import { applyPatch, isAttributeRequested, ScimError, USER_RESOURCE_TYPE } from "@cosafe/scim";
import type Router from "@koa/router";
import type { CoreClients } from "../../clients.js";
import type { ScimState } from "../../scim-state.js";
import { mountResource, type ResourceCall, type ResourceHandler } from "../resource-adapter.js";
import { present } from "../respond.js";
import { checkStoredTexts } from "../text-limits.js";
import { loadGroupsOfUsers, rememberedGroups, rememberGroups } from "./user-groups.js";
import { toScimUser, toUserMessage, userMaskPaths } from "./users.mapping.js";
import { userFilterFromScim, userOrderFromScim } from "./users.query.js";

/**
 * /Users: the User resource's mapping and identity-core calls, served by the resource
 * adapter. Rules (derivations, adoption, deprovisioning) happen in identity-core; here only protocol.
 */
export function usersHandler(deps: { core: CoreClients; baseUrl: string }): ResourceHandler<User> {
  const { core, baseUrl } = deps;

  /** The user an update answered, with the groups it brought along when asked. */
  const updated = (answer: UpdateUserResponse, includeGroups: boolean) => {
    const user = present(answer.user, "user");
    if (includeGroups) rememberGroups([user], answer.groups, answer.groupsNextPageToken);
    return user;
  };

  /** Whether the response shows User.groups: then user reads bring them along (one call, not two). */
  const groupsShown = (call: ResourceCall<User>) =>
    call.answersWithResource && isAttributeRequested(USER_RESOURCE_TYPE, "groups", call.projection);

  const getUser = async (call: ResourceCall<User>, userId: string, includeGroups = groupsShown(call)) => {
    const answer = await core.users.getUser({ tenantId: call.tenantId, userId, includeGroups }, call.options);
    const user = present(answer.user, "user");
    if (includeGroups) rememberGroups([user], answer.groups, answer.groupsNextPageToken);
    return user;
  };

  return {
    endpoint: "Users",
    resourceType: "User",
    type: USER_RESOURCE_TYPE,
    patchAnswersNoContent: false,
    noteOf: (user) => ({ userName: user.userName, externalId: user.externalId || undefined }),
    noteOfInput: (input) => ({ userName: String(input.userName ?? "") }),

    get: getUser,

    async list(call, params) {
      const includeGroups = groupsShown(call);
      const answer = await core.users.listUsers(
        {
          includeGroups,
          tenantId: call.tenantId,
          filter: params.filter ? userFilterFromScim(params.filter) : undefined,
          orderBy: userOrderFromScim(params.sortBy, params.descending),
          skip: params.cursor === undefined ? params.startIndex - 1 : 0,
          pageSize: params.count,
          cursor: params.cursor,
        },
        call.options,
      );
      if (includeGroups) rememberGroups(answer.users, answer.groups, answer.groupsNextPageToken);
      return { resources: answer.users, total: answer.totalSize, nextCursor: answer.nextCursor };
    },

    async create(call, input) {
      const { user, notices } = await core.users.createUser(
        { tenantId: call.tenantId, user: toUserMessage(input) },
        call.options,
      );
      const created = present(user, "user");
      rememberGroups([created]); // a new user is in no group yet
      return { resource: created, notices };
    },

    async replace(call, id, input) {
      const message = toUserMessage(input);
      message.id = id;
      const includeGroups = groupsShown(call);
      const answer = await core.users.updateUser(
        {
          tenantId: call.tenantId,
          user: message,
          updateMask: { paths: ["*"] },
          etag: call.ifMatch ?? "",
          includeGroups,
        },
        call.options,
      );
      return { resource: updated(answer, includeGroups), notices: answer.notices };
    },

    /**
     * PATCH: read, apply the operations (@cosafe/scim), write back the touched attributes together
     * with the user as read (`base`). identity-core merges the change onto the stored user under
     * its row lock, so parallel PATCHes of one user all land and none answers 412 without an
     * If-Match (issue 10); an If-Match is compared there, under the lock.
     */
    async patch(call, id) {
      const wanted = call.ifMatch;
      // The read to patch needs no groups (read-only); the answer after the write brings them.
      const current = await getUser(call, id, false);
      call.seen(current);
      const read = toScimUser(current, baseUrl);
      const patched = applyPatch(read, call.body, USER_RESOURCE_TYPE);
      call.ignored(patched.ignoredAttributes);
      checkStoredTexts(patched.resource);
      const paths = patched.touched
        .map((attribute) => userMaskPaths[attribute])
        .filter((p): p is string => Boolean(p));
      if (paths.length === 0) {
        // Nothing to write, but a stale If-Match still fails (RFC 7644 §3.14).
        if (wanted !== undefined && wanted !== current.etag)
          throw new ScimError(412, undefined, `user ${current.id} has changed since version ${wanted}`);
        return { resource: current };
      }
      const message = toUserMessage(patched.resource);
      message.id = current.id;
      const includeGroups = groupsShown(call);
      const answer = await core.users.updateUser(
        {
          tenantId: call.tenantId,
          user: message,
          updateMask: { paths },
          etag: wanted ?? "",
          base: toUserMessage(read),
          includeGroups,
        },
        call.options,
      );
      return { resource: updated(answer, includeGroups), notices: answer.notices };
    },

    async delete(call, id) {
      await core.users.deleteUser(
        { tenantId: call.tenantId, userId: id, etag: call.ifMatch ?? "" },
        call.options,
      );
    },

    /** With `groups` (read-only) for the whole page in one call, unless the projection leaves it out. */
    async render(call, users) {
      const shown = isAttributeRequested(USER_RESOURCE_TYPE, "groups", call.projection);
      const groups = shown
        ? (rememberedGroups(users) ??
          (await loadGroupsOfUsers(
            core,
            call.tenantId,
            users.map((user) => user.id),
            call.options,
          )))
        : undefined;
      return users.map((user) => toScimUser(user, baseUrl, groups?.get(user.id)));
    },
  };
}

/** Mounts /Users. */
export function mountUsers(router: Router<ScimState>, deps: { core: CoreClients; baseUrl: string }) {
  mountResource(router, usersHandler(deps), { baseUrl: deps.baseUrl });
}
