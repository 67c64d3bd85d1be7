import { actorHeaders } from "@cosafe/rpc";
import { buildListResponse } from "@cosafe/scim";
import Router from "@koa/router";
import type { CoreClients } from "../../clients.js";
import { scimContentType } from "../../middleware/scim-content-type.js";
import type { ScimState } from "../../scim-state.js";
import { listParams } from "../list-params.js";
import { toScimUser, toUserMessage } from "./users.mapping.js";
import { userFilterFromScim } from "./users.query.js";

/** /Users: each route maps SCIM to one identity-core call and back. */
export function usersRouter(deps: { core: CoreClients; baseUrl: string }) {
  const router = new Router<ScimState>();
  const options = (state: ScimState) => ({ headers: actorHeaders(state.actor) });

  router.post("/Users", async (ctx) => {
    const { user } = await deps.core.users.createUser(
      { tenantId: ctx.state.tenantId, user: toUserMessage(ctx.request.body) },
      options(ctx.state),
    );
    const resource = toScimUser(required(user), deps.baseUrl);
    ctx.status = 201;
    ctx.type = scimContentType;
    ctx.set("Location", String((resource.meta as { location: string }).location));
    ctx.set("ETag", String((resource.meta as { version: string }).version));
    ctx.body = resource;
  });

  router.get("/Users/:id", async (ctx) => {
    const { user } = await deps.core.users.getUser(
      { tenantId: ctx.state.tenantId, userId: ctx.params.id },
      options(ctx.state),
    );
    const resource = toScimUser(required(user), deps.baseUrl);
    ctx.type = scimContentType;
    ctx.set("ETag", String((resource.meta as { version: string }).version));
    ctx.body = resource;
  });

  router.get("/Users", async (ctx) => {
    const params = listParams(ctx.query);
    const { users, totalSize } = await deps.core.users.listUsers(
      {
        tenantId: ctx.state.tenantId,
        filter: params.filter ? userFilterFromScim(params.filter) : undefined,
        skip: params.startIndex - 1,
        pageSize: params.count,
      },
      options(ctx.state),
    );
    ctx.type = scimContentType;
    ctx.body = buildListResponse({
      resources: users.map((user) => toScimUser(user, deps.baseUrl)),
      totalResults: totalSize,
      startIndex: params.startIndex,
    });
  });

  return router;
}

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("identity-core answered without the resource");
  return value;
}
