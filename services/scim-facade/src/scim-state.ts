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
  /** The request's id (request logging): in its log lines, its provisioning-log entry and its calls. */
  requestId: string;
  /**
   * The headers of every call made for the request: the token's actor and the request id.
   * The facade passes the request id explicitly, not through AsyncLocalStorage, whose promise
   * hooks would cost every promise of the process (docs/performance.md).
   */
  callHeaders: Record<string, string>;
  tenantId: string;
  tokenId: string;
  actor: CallActor;
  /** Filled by handlers as they learn things; read by the provisioning-log middleware. */
  note: ProvisioningNote;
}
