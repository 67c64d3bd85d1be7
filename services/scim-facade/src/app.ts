import type { Logger } from "@cosafe/logging";
import { ScimError } from "@cosafe/scim";
import { bodyParser } from "@koa/bodyparser";
import Router from "@koa/router";
import Koa from "koa";
import { TokenCache } from "./auth/token-cache.js";
import type { CoreClients } from "./clients.js";
import { healthRouter } from "./health.js";
import { authenticate } from "./middleware/authenticate.js";
import { requestLogging } from "./middleware/request-logging.js";
import { scimErrors } from "./middleware/scim-errors.js";
import { usersRouter } from "./resources/users/users.router.js";
import type { ScimState } from "./scim-state.js";

export interface AppDeps {
  core: CoreClients;
  logger: Logger;
  publicBaseUrl: string;
  serviceName: string;
  tokenCacheTtlMs: number;
  /** Clock of the token cache; tests pass a controllable one. */
  now?: () => number;
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
  scim.use(
    bodyParser({
      enableTypes: ["json"],
      jsonLimit: "1mb",
      onError: (error) => {
        throw error;
      },
    }),
  );
  const users = usersRouter({ core: deps.core, baseUrl });
  scim.use(users.routes(), users.allowedMethods({ throw: true }));

  const health = healthRouter(deps.core);
  app.use(requestLogging(deps.logger));
  app.use(scimErrors(deps.logger));
  app.use(health.routes());
  app.use(scim.routes());
  app.use(() => {
    throw new ScimError(404, undefined, "no such endpoint");
  });
  return app;
}
