import {
  buildListResponse,
  GROUP_RESOURCE_TYPE,
  parseFilter,
  projectResource,
  ScimError,
  USER_RESOURCE_TYPE,
} from "@cosafe/scim";
import type Router from "@koa/router";
import type { CoreClients } from "../clients.js";
import type { ScimState } from "../scim-state.js";
import { toScimGroup } from "./groups/groups.mapping.js";
import { groupFilterFromScim } from "./groups/groups.query.js";
import { listParams } from "./list-params.js";
import { respond } from "./respond.js";
import { toScimUser } from "./users/users.mapping.js";
import { userFilterFromScim } from "./users/users.query.js";

/**
 * A filter that names attributes one resource type lacks matches nothing of that type.
 * The filter's syntax was checked before, so a translation error here is an allowlist miss.
 */
function translateOrSkip<T>(translate: () => T): { filter: T | undefined; skip: boolean } {
  try {
    return { filter: translate(), skip: false };
  } catch (error) {
    if (error instanceof ScimError && error.scimType === "invalidFilter")
      return { filter: undefined, skip: true };
    throw error;
  }
}

/**
 * POST /.search (RFC 7644 §3.4.3): one filter over Users then Groups, paged across both
 * with an exact total. Groups come without members here (read /Groups/{id} for them);
 * sorting across types is not offered (400 invalidValue).
 */
export function mountRootSearch(router: Router<ScimState>, deps: { core: CoreClients; baseUrl: string }) {
  router.post("/.search", async (ctx) => {
    const params = listParams((ctx.request.body ?? {}) as Record<string, unknown>);
    if (params.sortBy)
      throw new ScimError(400, "invalidValue", "sortBy is not supported across resource types");
    if (params.filter) parseFilter(params.filter);
    const options = { headers: ctx.state.callHeaders };
    const tenantId = ctx.state.tenantId;
    const users = params.filter
      ? translateOrSkip(() => userFilterFromScim(params.filter ?? ""))
      : { filter: undefined, skip: false };
    const groups = params.filter
      ? translateOrSkip(() => groupFilterFromScim(params.filter ?? ""))
      : { filter: undefined, skip: false };
    if (users.skip && groups.skip)
      throw new ScimError(400, "invalidFilter", "the filter names no attribute of Users or Groups");
    const skip = params.startIndex - 1;
    const userPage = users.skip
      ? { users: [], totalSize: 0 }
      : await deps.core.users.listUsers(
          { tenantId, filter: users.filter, skip, pageSize: params.count },
          options,
        );
    const groupSkip = Math.max(0, skip - userPage.totalSize);
    const room = params.count - userPage.users.length;
    const groupPage = groups.skip
      ? { groups: [], totalSize: 0 }
      : await deps.core.groups.listGroups(
          { tenantId, filter: groups.filter, skip: groupSkip, pageSize: room },
          options,
        );
    const resources = [
      ...userPage.users.map((u) =>
        projectResource(toScimUser(u, deps.baseUrl), USER_RESOURCE_TYPE, params.projection),
      ),
      ...groupPage.groups.map((g) =>
        projectResource(toScimGroup(g, undefined, deps.baseUrl), GROUP_RESOURCE_TYPE, params.projection),
      ),
    ];
    respond(
      ctx,
      200,
      buildListResponse({
        resources,
        totalResults: userPage.totalSize + groupPage.totalSize,
        startIndex: params.startIndex,
      }),
    );
  });
}
