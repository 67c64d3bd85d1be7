import { ScimError } from "@cosafe/scim";
import type Router from "@koa/router";
import type { ScimState } from "../scim-state.js";

/**
 * Endpoints Cosafe does not offer, answered as RFC 7644 says (and advertised as unsupported),
 * and wrong methods on the endpoints it offers. Mounted after every other SCIM route.
 */
export function mountUnsupported(router: Router<ScimState>) {
  mountMethodNotAllowed(router);
  router.all("/Me", () => {
    throw new ScimError(
      501,
      undefined,
      "/Me is not supported: SCIM tokens act for an identity provider, not a person",
    );
  });
}

/**
 * A known endpoint asked with a method it does not serve answers 405 with `Allow`, as SCIM
 * error JSON. One catch-all per path registered so far; it runs only when no route of that
 * method answered first. (The router's own allowedMethods() never gets to this: the app's
 * final 404 handler throws inside its `next()`.)
 */
function mountMethodNotAllowed(router: Router<ScimState>) {
  const prefix = router.opts.prefix ?? "";
  const allowed = new Map<string, Set<string>>();
  for (const layer of router.stack) {
    if (layer.methods.length === 0 || typeof layer.path !== "string" || !layer.path.startsWith(prefix))
      continue;
    const path = layer.path.slice(prefix.length);
    const methods = allowed.get(path) ?? new Set<string>();
    for (const method of layer.methods) methods.add(method);
    allowed.set(path, methods);
  }
  for (const [path, methods] of allowed) {
    const allow = [...methods].join(", ");
    router.all(path, (ctx) => {
      ctx.set("Allow", allow);
      throw new ScimError(405, undefined, `${ctx.method} is not allowed here; use ${allow}`);
    });
  }
}
