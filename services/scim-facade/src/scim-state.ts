import type { CallActor } from "@cosafe/rpc";

/** What the authentication middleware establishes for the rest of a SCIM request. */
export interface ScimState {
  tenantId: string;
  tokenId: string;
  actor: CallActor;
}
