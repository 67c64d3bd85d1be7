import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Group, ModifyGroupRequestSchema } from "@cosafe/proto/identity";
import { actorHeaders } from "@cosafe/rpc";
import {
  buildListResponse,
  GROUP_RESOURCE_TYPE,
  isAttributeRequested,
  type ProjectionParams,
  planGroupPatch,
  projectResource,
  validateResource,
} from "@cosafe/scim";
import type Router from "@koa/router";
import type { Context } from "koa";
import type { CoreClients } from "../../clients.js";
import type { ScimState } from "../../scim-state.js";
import { ifMatchVersion, notModified, weakEtag } from "../etag.js";
import { type ListParams, listParams, projectionParams } from "../list-params.js";
import { present, respond } from "../respond.js";
import { loadMembers } from "./group-members.js";
import { memberIdsOf, putMemberIdsOf, toScimGroup } from "./groups.mapping.js";
import { groupFilterFromScim, groupOrderFromScim } from "./groups.query.js";

type ScimContext = Context & { state: ScimState; params: Record<string, string> };

/** What a PUT or PATCH changes, in ModifyGroup's terms. */
type GroupChange = Pick<
  MessageInitShape<typeof ModifyGroupRequestSchema>,
  "displayName" | "externalId" | "addUserIds" | "removeUserIds" | "replaceMembers"
>;

/**
 * /Groups. A PUT or PATCH is one ModifyGroup call (ADR 0014) that never loads the group's
 * members (R25); members are read only when the response must show them.
 */
export function mountGroups(router: Router<ScimState>, deps: { core: CoreClients; baseUrl: string }) {
  const { core, baseUrl } = deps;
  const options = (ctx: ScimContext) => ({ headers: actorHeaders(ctx.state.actor) });
  const note = (ctx: ScimContext, group: Group) => {
    Object.assign(ctx.state.note, {
      resourceType: "Group",
      resourceId: group.id,
      externalId: group.externalId || undefined,
    });
  };

  /** The group as SCIM, with members only when the projection returns them. */
  async function render(ctx: ScimContext, group: Group, projection: ProjectionParams) {
    const wantsMembers = isAttributeRequested(GROUP_RESOURCE_TYPE, "members", projection);
    const members = wantsMembers
      ? await loadMembers(core, ctx.state.tenantId, group.id, options(ctx))
      : undefined;
    return projectResource(toScimGroup(group, members, baseUrl), GROUP_RESOURCE_TYPE, projection);
  }

  const getGroup = async (ctx: ScimContext) =>
    present(
      (await core.groups.getGroup({ tenantId: ctx.state.tenantId, groupId: ctx.params.id }, options(ctx)))
        .group,
      "group",
    );

  async function list(ctx: ScimContext, params: ListParams) {
    const { groups, totalSize } = await core.groups.listGroups(
      {
        tenantId: ctx.state.tenantId,
        filter: params.filter ? groupFilterFromScim(params.filter) : undefined,
        orderBy: groupOrderFromScim(params.sortBy, params.descending),
        skip: params.startIndex - 1,
        pageSize: params.count,
      },
      options(ctx),
    );
    const resources = [];
    for (const group of groups) resources.push(await render(ctx, group, params.projection));
    respond(
      ctx,
      200,
      buildListResponse({ resources, totalResults: totalSize, startIndex: params.startIndex }),
    );
  }

  router.post("/Groups", async (ctx: ScimContext) => {
    const { resource, ignoredAttributes } = validateResource(ctx.request.body, GROUP_RESOURCE_TYPE);
    ctx.state.note = { resourceType: "Group", ignoredAttributes };
    const { group } = await core.groups.createGroup(
      {
        tenantId: ctx.state.tenantId,
        group: {
          displayName: String(resource.displayName ?? ""),
          externalId: String(resource.externalId ?? ""),
        },
        memberUserIds: memberIdsOf(resource) ?? [],
      },
      options(ctx),
    );
    const created = present(group, "group");
    note(ctx, created);
    respond(ctx, 201, await render(ctx, created, projectionParams(ctx.query)), {
      Location: `${baseUrl}/Groups/${created.id}`,
      ETag: weakEtag(created.etag),
    });
  });

  router.get("/Groups", (ctx: ScimContext) => list(ctx, listParams(ctx.query)));
  router.post("/Groups/.search", (ctx: ScimContext) =>
    list(ctx, listParams((ctx.request.body ?? {}) as Record<string, unknown>)),
  );

  router.get("/Groups/:id", async (ctx: ScimContext) => {
    const group = await getGroup(ctx);
    note(ctx, group);
    if (notModified(ctx, group.etag)) {
      ctx.status = 304;
      return;
    }
    respond(ctx, 200, await render(ctx, group, projectionParams(ctx.query)), { ETag: weakEtag(group.etag) });
  });

  /**
   * The one identity-core call of a PUT or PATCH (ModifyGroup, ADR 0014): etag, names and
   * members in one transaction. Members come back (first page in the same transaction) only
   * when the response shows them.
   */
  async function modify(ctx: ScimContext, change: GroupChange, projection: ProjectionParams | undefined) {
    const returnMembers =
      projection !== undefined && isAttributeRequested(GROUP_RESOURCE_TYPE, "members", projection);
    const out = await core.groups.modifyGroup(
      {
        tenantId: ctx.state.tenantId,
        groupId: ctx.params.id,
        etag: ifMatchVersion(ctx) ?? "",
        ...change,
        returnMembers,
      },
      options(ctx),
    );
    const group = present(out.group, "group");
    note(ctx, group);
    const members = returnMembers
      ? [
          ...out.members,
          ...(out.nextMemberPageToken
            ? await loadMembers(core, ctx.state.tenantId, group.id, options(ctx), out.nextMemberPageToken)
            : []),
        ]
      : undefined;
    const resource = projection
      ? projectResource(toScimGroup(group, members, baseUrl), GROUP_RESOURCE_TYPE, projection)
      : undefined;
    return { group, resource };
  }

  /** PUT (R4b): without members the membership stays; without displayName the name stays (R14, in the core). */
  router.put("/Groups/:id", async (ctx: ScimContext) => {
    const { resource, ignoredAttributes } = validateResource(ctx.request.body, GROUP_RESOURCE_TYPE);
    ctx.state.note = { resourceType: "Group", resourceId: ctx.params.id, ignoredAttributes };
    const members = putMemberIdsOf(ctx.request.body, resource);
    const { group, resource: body } = await modify(
      ctx,
      {
        ...(resource.displayName === undefined ? {} : { displayName: String(resource.displayName) }),
        externalId: String(resource.externalId ?? ""),
        ...(members === undefined ? {} : { replaceMembers: { userIds: members } }),
      },
      projectionParams(ctx.query),
    );
    respond(ctx, 200, body, { ETag: weakEtag(group.etag) });
  });

  /** PATCH: planned without loading members, one ModifyGroup call; 204 unless the client asks for attributes. */
  router.patch("/Groups/:id", async (ctx: ScimContext) => {
    const groupId = ctx.params.id ?? "";
    ctx.state.note = { resourceType: "Group", resourceId: groupId };
    const plan = planGroupPatch(ctx.request.body, { groupId });
    ctx.state.note.ignoredAttributes = plan.ignoredAttributes;
    const { displayName, externalId } = plan.attributes;
    const projection = projectionParams(ctx.query);
    const answers = projection.attributes !== undefined || projection.excludedAttributes !== undefined;
    // A removed displayName is sent blank: identity-core keeps the name (R14).
    const { group, resource } = await modify(
      ctx,
      {
        ...(displayName === undefined ? {} : { displayName: displayName ?? "" }),
        ...(externalId === undefined ? {} : { externalId: externalId ?? "" }),
        addUserIds: plan.members.add,
        removeUserIds: plan.members.remove,
        ...(plan.members.replace === undefined ? {} : { replaceMembers: { userIds: plan.members.replace } }),
      },
      answers ? projection : undefined,
    );
    if (!resource) {
      ctx.status = 204;
      return;
    }
    respond(ctx, 200, resource, { ETag: weakEtag(group.etag) });
  });

  router.delete("/Groups/:id", async (ctx: ScimContext) => {
    ctx.state.note = { resourceType: "Group", resourceId: ctx.params.id };
    await core.groups.deleteGroup(
      { tenantId: ctx.state.tenantId, groupId: ctx.params.id, etag: ifMatchVersion(ctx) ?? "" },
      options(ctx),
    );
    ctx.status = 204;
  });
}
