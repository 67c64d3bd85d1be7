import type { Group } from "@cosafe/proto/identity";
import { actorHeaders } from "@cosafe/rpc";
import {
  buildListResponse,
  GROUP_RESOURCE_TYPE,
  isAttributeRequested,
  type ProjectionParams,
  planGroupPatch,
  projectResource,
  ScimError,
  validateResource,
} from "@cosafe/scim";
import type Router from "@koa/router";
import type { Context } from "koa";
import type { CoreClients } from "../../clients.js";
import type { ScimState } from "../../scim-state.js";
import { ifMatchVersion, notModified, weakEtag } from "../etag.js";
import { type ListParams, listParams, projectionParams } from "../list-params.js";
import { present, respond } from "../respond.js";
import { checkStoredTexts } from "../text-limits.js";
import { loadMembers } from "./group-members.js";
import { memberIdsOf, putMemberIdsOf, toScimGroup } from "./groups.mapping.js";
import { groupFilterFromScim, groupOrderFromScim } from "./groups.query.js";

type ScimContext = Context & { state: ScimState; params: Record<string, string> };

/**
 * /Groups. Membership changes go to the add/remove/replace-members RPCs and never load
 * the group's members (R25); members are read only when the response must show them.
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
    checkStoredTexts(resource);
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

  /** PUT (R4b): without members the membership stays; without displayName the name stays (R14). */
  router.put("/Groups/:id", async (ctx: ScimContext) => {
    const { resource, ignoredAttributes } = validateResource(ctx.request.body, GROUP_RESOURCE_TYPE);
    checkStoredTexts(resource);
    const sentName = typeof resource.displayName === "string" && resource.displayName.trim() !== "";
    ctx.state.note = { resourceType: "Group", resourceId: ctx.params.id, ignoredAttributes };
    const tenantId = ctx.state.tenantId;
    const { group } = await core.groups.updateGroup(
      {
        tenantId,
        group: {
          id: ctx.params.id,
          displayName: sentName ? String(resource.displayName) : "",
          externalId: String(resource.externalId ?? ""),
        },
        updateMask: { paths: [...(sentName ? ["display_name"] : []), "external_id"] },
        etag: ifMatchVersion(ctx) ?? "",
      },
      options(ctx),
    );
    const members = putMemberIdsOf(ctx.request.body, resource);
    if (members !== undefined) {
      await core.groups.replaceGroupMembers(
        { tenantId, groupId: ctx.params.id, userIds: members },
        options(ctx),
      );
    }
    const updated = members !== undefined ? await getGroup(ctx) : present(group, "group");
    note(ctx, updated);
    respond(ctx, 200, await render(ctx, updated, projectionParams(ctx.query)), {
      ETag: weakEtag(updated.etag),
    });
  });

  /** PATCH: planned without loading members; answers 204 unless the client asks for attributes. */
  router.patch("/Groups/:id", async (ctx: ScimContext) => {
    const tenantId = ctx.state.tenantId;
    const groupId = ctx.params.id;
    ctx.state.note = { resourceType: "Group", resourceId: groupId };
    const plan = planGroupPatch(ctx.request.body, { groupId });
    ctx.state.note.ignoredAttributes = plan.ignoredAttributes;
    checkStoredTexts(plan.attributes);
    const wanted = ifMatchVersion(ctx);
    if (wanted !== undefined && (await getGroup(ctx)).etag !== wanted) {
      throw new ScimError(412, undefined, `group ${groupId} has changed since version ${wanted}`);
    }
    const paths: string[] = [];
    if (typeof plan.attributes.displayName === "string" && plan.attributes.displayName.trim())
      paths.push("display_name");
    if (plan.attributes.externalId !== undefined) paths.push("external_id");
    // Every IdP write links the group (R11), even one that only changes members: UpdateGroup
    // with an empty mask is not allowed, so membership calls do the linking themselves.
    if (paths.length > 0) {
      await core.groups.updateGroup(
        {
          tenantId,
          group: {
            id: groupId,
            displayName: typeof plan.attributes.displayName === "string" ? plan.attributes.displayName : "",
            externalId: plan.attributes.externalId ?? "",
          },
          updateMask: { paths },
        },
        options(ctx),
      );
    }
    const { members } = plan;
    let called = paths.length > 0 || wanted !== undefined;
    if (members.replace !== undefined) {
      await core.groups.replaceGroupMembers({ tenantId, groupId, userIds: members.replace }, options(ctx));
      called = true;
    } else {
      if (members.remove.length > 0) {
        await core.groups.removeGroupMembers({ tenantId, groupId, userIds: members.remove }, options(ctx));
        called = true;
      }
      if (members.add.length > 0) {
        await core.groups.addGroupMembers({ tenantId, groupId, userIds: members.add }, options(ctx));
        called = true;
      }
    }
    // A PATCH that changes nothing (e.g. Entra's Remove with an empty value array) still
    // names a group: a missing, foreign or admin-deleted one is 404, not 204.
    if (!called) await getGroup(ctx);
    const projection = projectionParams(ctx.query);
    if (projection.attributes === undefined && projection.excludedAttributes === undefined) {
      ctx.status = 204;
      return;
    }
    const group = await getGroup(ctx);
    note(ctx, group);
    respond(ctx, 200, await render(ctx, group, projection), { ETag: weakEtag(group.etag) });
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
