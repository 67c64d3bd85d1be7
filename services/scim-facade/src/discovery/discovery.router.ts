import {
  buildListResponse,
  RESOURCE_TYPES,
  renderResourceType,
  renderResourceTypes,
  renderSchemas,
  renderServiceProviderConfig,
  ScimError,
} from "@cosafe/scim";
import type Router from "@koa/router";
import { requestLimits } from "../limits.js";
import { maxPageSize } from "../resources/list-params.js";
import { respond } from "../resources/respond.js";
import type { ScimState } from "../scim-state.js";
import { withLimitNotes } from "./limit-notes.js";

/**
 * Discovery (RFC 7644 §4), rendered from the same definitions that validate requests, so
 * it tells the truth: PATCH, filter, sort, ETags and bulk (with its limits) supported; password change not.
 */
export function mountDiscovery(router: Router<ScimState>, baseUrl: string) {
  router.get("/ServiceProviderConfig", (ctx) => {
    respond(
      ctx,
      200,
      renderServiceProviderConfig(baseUrl, {
        maxResults: maxPageSize,
        sort: true,
        etag: true,
        cursorPagination: true,
        oauthTokenEndpoint: `${baseUrl}/oauth/token`,
        bulk: requestLimits.bulk,
      }),
    );
  });
  router.get("/ResourceTypes", (ctx) => {
    respond(ctx, 200, buildListResponse({ resources: renderResourceTypes(baseUrl) }));
  });
  router.get("/ResourceTypes/:id", (ctx) => {
    const type = RESOURCE_TYPES.find((t) => t.name.toLowerCase() === ctx.params.id?.toLowerCase());
    if (!type) throw new ScimError(404, undefined, `resource type ${ctx.params.id} not found`);
    respond(ctx, 200, renderResourceType(type, baseUrl));
  });
  router.get("/Schemas", (ctx) => {
    respond(ctx, 200, buildListResponse({ resources: renderSchemas(baseUrl).map(withLimitNotes) }));
  });
  router.get("/Schemas/:id", (ctx) => {
    const schema = renderSchemas(baseUrl)
      .map(withLimitNotes)
      .find((s) => String(s.id).toLowerCase() === ctx.params.id?.toLowerCase());
    if (!schema) throw new ScimError(404, undefined, `schema ${ctx.params.id} not found`);
    respond(ctx, 200, schema);
  });
}
