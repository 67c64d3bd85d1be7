import type { CallActor } from "@cosafe/rpc";

/** What a SCIM request tells the provisioning log (R20) beyond method, path, status and timing. */
export interface ProvisioningNote {
  resourceType?: "User" | "Group";
  resourceId?: string;
  userName?: string;
  externalId?: string;
  /** Attributes accepted but not stored (R2). */
  ignoredAttributes?: string[];
  /** Extra explanation: derived values, licence refusals, unknown groups. */
  detail?: string;
}

/** What the authentication middleware establishes for the rest of a SCIM request. */
export interface ScimState {
  tenantId: string;
  tokenId: string;
  actor: CallActor;
  /** Filled by handlers as they learn things; read by the provisioning-log middleware. */
  note: ProvisioningNote;
}
