import { actorHeaders } from "@cosafe/rpc";
import {
  applyPatch,
  buildListResponse,
  projectResource,
  ScimError,
  USER_RESOURCE_TYPE,
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
import { toScimUser, toUserMessage, userMaskPaths } from "./users.mapping.js";
import { userFilterFromScim, userOrderFromScim } from "./users.query.js";

type ScimContext = Context & { state: ScimState; params: Record<string, string> };

/**
 * /Users: each route maps SCIM to identity-core calls and back. Rules (derivations,
 * adoption, deprovisioning) happen in identity-core; here only protocol.
 */
export function mountUsers(router: Router<ScimState>, deps: { core: CoreClients; baseUrl: string }) {
  const { core, baseUrl } = deps;
  const options = (ctx: ScimContext) => ({ headers: actorHeaders(ctx.state.actor) });
  const project = (ctx: ScimContext, resource: Record<string, unknown>) =>
    projectResource(resource, USER_RESOURCE_TYPE, projectionParams(ctx.query));
  const note = (ctx: ScimContext, user: { id: string; userName: string; externalId: string }) => {
    Object.assign(ctx.state.note, {
      resourceType: "User",
      resourceId: user.id,
      userName: user.userName,
      externalId: user.externalId || undefined,
    });
  };

  const getUser = async (ctx: ScimContext) =>
    present(
      (await core.users.getUser({ tenantId: ctx.state.tenantId, userId: ctx.params.id }, options(ctx))).user,
      "user",
    );

  async function list(ctx: ScimContext, params: ListParams) {
    const { users, totalSize } = await core.users.listUsers(
      {
        tenantId: ctx.state.tenantId,
        filter: params.filter ? userFilterFromScim(params.filter) : undefined,
        orderBy: userOrderFromScim(params.sortBy, params.descending),
        skip: params.startIndex - 1,
        pageSize: params.count,
      },
      options(ctx),
    );
    const resources = users.map((user) =>
      projectResource(toScimUser(user, baseUrl), USER_RESOURCE_TYPE, params.projection),
    );
    respond(
      ctx,
      200,
      buildListResponse({ resources, totalResults: totalSize, startIndex: params.startIndex }),
    );
  }

  router.post("/Users", async (ctx: ScimContext) => {
    const { resource, ignoredAttributes } = validateResource(ctx.request.body, USER_RESOURCE_TYPE);
    checkStoredTexts(resource);
    ctx.state.note = { resourceType: "User", ignoredAttributes, userName: String(resource.userName ?? "") };
    const { user, notices } = await core.users.createUser(
      { tenantId: ctx.state.tenantId, user: toUserMessage(resource) },
      options(ctx),
    );
    const created = present(user, "user");
    note(ctx, created);
    if (notices.length > 0) ctx.state.note.detail = notices.join("; ");
    respond(ctx, 201, project(ctx, toScimUser(created, baseUrl)), {
      Location: `${baseUrl}/Users/${created.id}`,
      ETag: weakEtag(created.etag),
    });
  });

  router.get("/Users", (ctx: ScimContext) => list(ctx, listParams(ctx.query)));
  router.post("/Users/.search", (ctx: ScimContext) =>
    list(ctx, listParams((ctx.request.body ?? {}) as Record<string, unknown>)),
  );

  router.get("/Users/:id", async (ctx: ScimContext) => {
    const user = await getUser(ctx);
    note(ctx, user);
    if (notModified(ctx, user.etag)) {
      ctx.status = 304;
      return;
    }
    respond(ctx, 200, project(ctx, toScimUser(user, baseUrl)), { ETag: weakEtag(user.etag) });
  });

  router.put("/Users/:id", async (ctx: ScimContext) => {
    const { resource, ignoredAttributes } = validateResource(ctx.request.body, USER_RESOURCE_TYPE);
    checkStoredTexts(resource);
    ctx.state.note = { resourceType: "User", resourceId: ctx.params.id, ignoredAttributes };
    const message = toUserMessage(resource);
    message.id = ctx.params.id ?? "";
    const { user, notices } = await core.users.updateUser(
      {
        tenantId: ctx.state.tenantId,
        user: message,
        updateMask: { paths: ["*"] },
        etag: ifMatchVersion(ctx) ?? "",
      },
      options(ctx),
    );
    const updated = present(user, "user");
    note(ctx, updated);
    if (notices.length > 0) ctx.state.note.detail = notices.join("; ");
    respond(ctx, 200, project(ctx, toScimUser(updated, baseUrl)), { ETag: weakEtag(updated.etag) });
  });

  /**
   * PATCH: read, apply the operations (@cosafe/scim), write back the touched attributes together
   * with the user as read (`base`). identity-core merges the change onto the stored user under
   * its row lock, so parallel PATCHes of one user all land and none answers 412 without an
   * If-Match (issue 10); an If-Match is compared there, under the lock.
   */
  router.patch("/Users/:id", async (ctx: ScimContext) => {
    const wanted = ifMatchVersion(ctx);
    ctx.state.note = { resourceType: "User", resourceId: ctx.params.id };
    const current = await getUser(ctx);
    note(ctx, current);
    const read = toScimUser(current, baseUrl);
    const patched = applyPatch(read, ctx.request.body, USER_RESOURCE_TYPE);
    ctx.state.note.ignoredAttributes = patched.ignoredAttributes;
    checkStoredTexts(patched.resource);
    const paths = patched.touched
      .map((attribute) => userMaskPaths[attribute])
      .filter((p): p is string => Boolean(p));
    if (paths.length === 0) {
      // Nothing to write, but a stale If-Match still fails (RFC 7644 §3.14).
      if (wanted !== undefined && wanted !== current.etag)
        throw new ScimError(412, undefined, `user ${current.id} has changed since version ${wanted}`);
      respond(ctx, 200, project(ctx, toScimUser(current, baseUrl)), { ETag: weakEtag(current.etag) });
      return;
    }
    const message = toUserMessage(patched.resource);
    message.id = current.id;
    const { user, notices } = await core.users.updateUser(
      {
        tenantId: ctx.state.tenantId,
        user: message,
        updateMask: { paths },
        etag: wanted ?? "",
        base: toUserMessage(read),
      },
      options(ctx),
    );
    const updated = present(user, "user");
    note(ctx, updated);
    if (notices.length > 0) ctx.state.note.detail = notices.join("; ");
    respond(ctx, 200, project(ctx, toScimUser(updated, baseUrl)), { ETag: weakEtag(updated.etag) });
  });

  router.delete("/Users/:id", async (ctx: ScimContext) => {
    ctx.state.note = { resourceType: "User", resourceId: ctx.params.id };
    await core.users.deleteUser(
      { tenantId: ctx.state.tenantId, userId: ctx.params.id, etag: ifMatchVersion(ctx) ?? "" },
      options(ctx),
    );
    ctx.status = 204;
  });
}
