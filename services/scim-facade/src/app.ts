import type { Logger } from "@cosafe/logging";
import type { ProvisioningEntry } from "@cosafe/proto/identity";
import { ScimError } from "@cosafe/scim";
import type { Registry } from "@cosafe/telemetry";
import Router from "@koa/router";
import Koa from "koa";
import { TokenCache } from "./auth/token-cache.js";
import { tokenEndpointRouter } from "./auth/token-endpoint.router.js";
import { mountBulk } from "./bulk/bulk.router.js";
import type { CoreClients } from "./clients.js";
import { mountDiscovery } from "./discovery/discovery.router.js";
import { healthProbes } from "./health.js";
import { authenticate } from "./middleware/authenticate.js";
import { parseBodies } from "./middleware/body-limits.js";
import { requireJsonBody } from "./middleware/content-type.js";
import { requestGuards } from "./middleware/request-limits.js";
import { requestLogging } from "./middleware/request-logging.js";
import { requestMetrics } from "./middleware/request-metrics.js";
import { scimErrors } from "./middleware/scim-errors.js";
import { provisioningLog } from "./provisioning-log/index.js";
import { groupsHandler, mountGroups } from "./resources/groups/groups.router.js";
import { resourceWrites } from "./resources/resource-adapter.js";
import { mountRootSearch } from "./resources/root-search.router.js";
import { mountUnsupported } from "./resources/unsupported.router.js";
import { mountUsers, usersHandler } from "./resources/users/users.router.js";
import type { ScimState } from "./scim-state.js";

export interface AppDeps {
  core: CoreClients;
  logger: Logger;
  publicBaseUrl: string;
  serviceName: string;
  tokenCacheTtlMs: number;
  /** Clock of the token cache; tests pass a controllable one. */
  now?: () => number;
  /** Where every SCIM request's provisioning-log entry goes (R20). */
  provisioningLog: { enqueue(entry: ProvisioningEntry): void };
  /** Where request metrics go (served apart from the app, see server.ts). */
  metrics?: Registry;
}

/** SCIM routes live under this prefix; meta.location is built from the public base URL plus it. */
export const scimPrefix = "/scim/v2";

/** The Koa application; middleware reads top to bottom in the order it runs. */
export function createApp(deps: AppDeps): Koa<ScimState> {
  const app = new Koa<ScimState>();
  const baseUrl = `${deps.publicBaseUrl.replace(/\/+$/, "")}${scimPrefix}`;
  const cache = new TokenCache(deps.tokenCacheTtlMs, deps.now);

  const scim = new Router<ScimState>({ prefix: scimPrefix });
  scim.use(authenticate({ core: deps.core, cache, serviceName: deps.serviceName }));
  scim.use(requireJsonBody);
  scim.use(parseBodies());
  mountDiscovery(scim, baseUrl);
  mountUsers(scim, { core: deps.core, baseUrl });
  mountGroups(scim, { core: deps.core, baseUrl });
  mountRootSearch(scim, { core: deps.core, baseUrl });
  const resources = { core: deps.core, baseUrl };
  mountBulk(scim, {
    writes: [
      resourceWrites(usersHandler(resources), { baseUrl }),
      resourceWrites(groupsHandler(resources), { baseUrl }),
    ],
    provisioningLog: deps.provisioningLog,
    logger: deps.logger,
  });
  mountUnsupported(scim);

  if (deps.metrics) app.use(requestMetrics(deps.metrics));
  app.use(requestLogging(deps.logger));
  app.use(provisioningLog({ batcher: deps.provisioningLog, prefix: scimPrefix, logger: deps.logger }));
  app.use(scimErrors(deps.logger));
  app.use(requestGuards);
  app.use(async (ctx, next) => {
    ctx.state.note = {};
    await next();
  });
  app.use(healthProbes(deps.core));
  app.use(tokenEndpointRouter({ core: deps.core, serviceName: deps.serviceName }).routes());
  app.use(scim.routes());
  app.use(scim.allowedMethods({ throw: true }));
  app.use(() => {
    throw new ScimError(404, undefined, "no such endpoint");
  });
  return app;
}
