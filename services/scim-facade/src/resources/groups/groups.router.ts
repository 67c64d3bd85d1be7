import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Group, ModifyGroupRequestSchema } from "@cosafe/proto/identity";
import {
  GROUP_RESOURCE_TYPE,
  isAttributeRequested,
  isDefaultProjection,
  planGroupPatch,
  projectResource,
} from "@cosafe/scim";
import type Router from "@koa/router";
import type { CoreClients } from "../../clients.js";
import type { ScimState } from "../../scim-state.js";
import {
  mountResource,
  type ResourceCall,
  type ResourceHandler,
  type Versioned,
} from "../resource-adapter.js";
import { present } from "../respond.js";
import { checkStoredTexts } from "../text-limits.js";
import { loadMembers, loadMembersOfGroups, type MemberRef, membersFromColumns } from "./group-members.js";
import { memberIdsOf, putMemberIdsOf, toScimGroup } from "./groups.mapping.js";
import { groupFilterFromScim, groupOrderFromScim } from "./groups.query.js";
import { groupJsonWithMembers } from "./members-json.js";

/** A group as the adapter handles it: members only when a write already returned them. */
export interface GroupResource extends Versioned {
  group: Group;
  members?: MemberRef[] | undefined;
  /** The rest of `members` starts at this ListGroupMembers page; render reads it (not a 304). */
  moreMembersFrom?: string | undefined;
}

/** What a PUT or PATCH changes, in ModifyGroup's terms. */
type GroupChange = Pick<
  MessageInitShape<typeof ModifyGroupRequestSchema>,
  "displayName" | "externalId" | "addUserIds" | "removeUserIds" | "replaceMembers"
>;

const resourceOf = (group: Group, members?: MemberRef[], moreMembersFrom?: string): GroupResource => ({
  id: group.id,
  etag: group.etag,
  group,
  members,
  moreMembersFrom: moreMembersFrom || undefined,
});

const wantsMembers = (call: ResourceCall<GroupResource>) =>
  call.answersWithResource && isAttributeRequested(GROUP_RESOURCE_TYPE, "members", call.projection);

/**
 * /Groups: the Group resource's mapping and identity-core calls, served by the resource
 * adapter. A PUT or PATCH is one ModifyGroup call (ADR 0014) that never loads the group's
 * members (R25); members are read only when the response shows them, for a whole list page at once.
 */
export function groupsHandler(deps: { core: CoreClients; baseUrl: string }): ResourceHandler<GroupResource> {
  const { core, baseUrl } = deps;

  /** The one identity-core call of a PUT or PATCH: etag, names and members in one transaction. */
  async function modify(call: ResourceCall<GroupResource>, groupId: string, change: GroupChange) {
    const returnMembers = wantsMembers(call);
    const out = await core.groups.modifyGroup(
      { tenantId: call.tenantId, groupId, etag: call.ifMatch ?? "", ...change, returnMembers },
      call.options,
    );
    const group = present(out.group, "group");
    if (!returnMembers) return { resource: resourceOf(group) };
    return { resource: resourceOf(group, [...out.members], out.nextMemberPageToken) };
  }

  /** The members after the first page a read or a write returned, appended to `into`. */
  async function restOfMembers(
    call: ResourceCall<GroupResource>,
    resource: GroupResource,
    into: MemberRef[],
  ) {
    const from = resource.moreMembersFrom;
    if (!from) return;
    resource.moreMembersFrom = undefined;
    await loadMembers(core, call.tenantId, resource.id, call.options, from, into);
  }

  return {
    endpoint: "Groups",
    resourceType: "Group",
    type: GROUP_RESOURCE_TYPE,
    patchAnswersNoContent: true,
    noteOf: (resource) => ({ externalId: resource.group.externalId || undefined }),

    /** One call: the group and, when the response shows them, its first page of members (render reads the rest). */
    async get(call, groupId) {
      const includeMembers = wantsMembers(call);
      const out = await core.groups.getGroup(
        { tenantId: call.tenantId, groupId, includeMembers },
        call.options,
      );
      const group = present(out.group, "group");
      if (!includeMembers) return resourceOf(group);
      return resourceOf(group, membersFromColumns(out.members), out.nextMemberPageToken);
    },

    async list(call, params) {
      const { groups, totalSize, nextCursor } = await core.groups.listGroups(
        {
          tenantId: call.tenantId,
          filter: params.filter ? groupFilterFromScim(params.filter) : undefined,
          orderBy: groupOrderFromScim(params.sortBy, params.descending),
          skip: params.cursor === undefined ? params.startIndex - 1 : 0,
          pageSize: params.count,
          cursor: params.cursor,
        },
        call.options,
      );
      return { resources: groups.map((group) => resourceOf(group)), total: totalSize, nextCursor };
    },

    async create(call, input) {
      const { group } = await core.groups.createGroup(
        {
          tenantId: call.tenantId,
          group: { displayName: String(input.displayName ?? ""), externalId: String(input.externalId ?? "") },
          memberUserIds: memberIdsOf(input) ?? [],
        },
        call.options,
      );
      return { resource: resourceOf(present(group, "group")) };
    },

    /** PUT (R4b): without members the membership stays; without displayName the name stays (R14, in the core). */
    replace(call, groupId, input) {
      const members = putMemberIdsOf(call.body, input);
      return modify(call, groupId, {
        ...(input.displayName === undefined ? {} : { displayName: String(input.displayName) }),
        externalId: String(input.externalId ?? ""),
        ...(members === undefined ? {} : { replaceMembers: { userIds: members } }),
      });
    },

    /** PATCH: planned without loading members (@cosafe/scim), then one ModifyGroup call. */
    patch(call, groupId) {
      const plan = planGroupPatch(call.body, { groupId });
      call.ignored(plan.ignoredAttributes);
      checkStoredTexts(plan.attributes);
      const { displayName, externalId } = plan.attributes;
      // A removed displayName is sent blank: identity-core keeps the name (R14).
      return modify(call, groupId, {
        ...(displayName === undefined ? {} : { displayName: displayName ?? "" }),
        ...(externalId === undefined ? {} : { externalId: externalId ?? "" }),
        addUserIds: plan.members.add,
        removeUserIds: plan.members.remove,
        ...(plan.members.replace === undefined ? {} : { replaceMembers: { userIds: plan.members.replace } }),
      });
    },

    async delete(call, groupId) {
      await core.groups.deleteGroup(
        { tenantId: call.tenantId, groupId, etag: call.ifMatch ?? "" },
        call.options,
      );
    },

    async render(call, resources) {
      const shown = isAttributeRequested(GROUP_RESOURCE_TYPE, "members", call.projection);
      const missing = shown ? resources.filter((r) => r.members === undefined).map((r) => r.id) : [];
      const loaded = await loadMembersOfGroups(core, call.tenantId, missing, call.options);
      for (const r of resources) if (shown && r.members) await restOfMembers(call, r, r.members);
      return resources.map((r) =>
        toScimGroup(r.group, shown ? (r.members ?? loaded.get(r.id) ?? []) : undefined, baseUrl),
      );
    },

    /** A GET that shows the members as they are (no attributes asked either way) writes them as bytes. */
    async renderBody(call, resource) {
      const members = resource.members;
      if (!members || !isDefaultProjection(call.projection)) return undefined;
      await restOfMembers(call, resource, members);
      const rest = projectResource(toScimGroup(resource.group, undefined, baseUrl), GROUP_RESOURCE_TYPE, {});
      return groupJsonWithMembers(JSON.stringify(rest), members, baseUrl);
    },
  };
}

/** Mounts /Groups. */
export function mountGroups(router: Router<ScimState>, deps: { core: CoreClients; baseUrl: string }) {
  mountResource(router, groupsHandler(deps), { baseUrl: deps.baseUrl });
}
