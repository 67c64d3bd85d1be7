import { ScimError } from "@cosafe/scim";
import type Router from "@koa/router";
import type { ScimState } from "../scim-state.js";

/** Endpoints Cosafe does not offer, answered as RFC 7644 says (and advertised as unsupported). */
export function mountUnsupported(router: Router<ScimState>) {
  router.all("/Bulk", () => {
    throw new ScimError(501, undefined, "bulk operations are not supported (see /ServiceProviderConfig)");
  });
  router.all("/Me", () => {
    throw new ScimError(
      501,
      undefined,
      "/Me is not supported: SCIM tokens act for an identity provider, not a person",
    );
  });
}
