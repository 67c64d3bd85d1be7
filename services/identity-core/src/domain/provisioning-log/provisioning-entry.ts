/** Outcome classes of a provisioning-log entry (R20), as stored. */
export const provisioningOutcomes = [
  "SUCCESS",
  "CLIENT_ERROR",
  "LICENSE_REFUSED",
  "SERVER_ERROR",
  "UNAUTHENTICATED",
] as const;

export type ProvisioningOutcomeName = (typeof provisioningOutcomes)[number];

/** One entry as a writer sends it; strings are "" when absent. Never a request body or token. */
export interface ProvisioningEntryInput {
  /** A UUID chosen by the writer: the idempotency key of the entry. */
  id: string;
  /** "" for the support-only stream (requests without a valid token). */
  tenantId: string;
  tokenId: string;
  requestId: string;
  time: Date | undefined;
  method: string;
  path: string;
  resourceType: string;
  resourceId: string;
  userName: string;
  externalId: string;
  /** undefined when the writer sent no known outcome. */
  outcome: ProvisioningOutcomeName | undefined;
  status: number;
  scimType: string;
  detail: string;
  ignoredAttributes: string[];
  durationUs: number;
}

/** One stored entry as readers see it; strings are "" when absent. */
export interface ProvisioningEntryRecord {
  id: string;
  tenantId: string;
  tokenId: string;
  requestId: string;
  time: Date;
  method: string;
  path: string;
  resourceType: string;
  resourceId: string;
  userName: string;
  externalId: string;
  outcome: ProvisioningOutcomeName;
  status: number;
  scimType: string;
  detail: string;
  ignoredAttributes: string[];
  durationUs: number;
}

/**
 * Bounds of what one batch and one entry may hold. Longer text is cut, not refused, so an
 * identity provider's odd input never costs a whole batch of someone else's entries.
 */
export const provisioningLogLimits = {
  maxBatchSize: 500,
  requestId: 128,
  method: 16,
  path: 2048,
  /** resourceId, userName, externalId. */
  value: 1024,
  scimType: 64,
  detail: 4096,
  ignoredAttributes: 200,
  ignoredAttribute: 256,
  /** One day: anything longer is not a request duration. */
  maxDurationUs: 86_400_000_000,
} as const;
