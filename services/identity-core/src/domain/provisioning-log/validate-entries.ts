import { isUuid } from "@cosafe/storage";
import { invalidArgument } from "../domain-error.js";
import {
  provisioningLogLimits as limits,
  type ProvisioningEntryInput,
  type ProvisioningOutcomeName,
  provisioningOutcomes,
} from "./provisioning-entry.js";

/** A validated entry in the shape of its table row: absent values are null. */
export interface ProvisioningEntryRow {
  id: string;
  tenant_id: string | null;
  token_id: string | null;
  request_id: string;
  time: string;
  method: string;
  path: string;
  resource_type: string | null;
  resource_id: string | null;
  user_name: string | null;
  external_id: string | null;
  outcome: ProvisioningOutcomeName;
  status: number;
  scim_type: string | null;
  detail: string | null;
  ignored_attributes: string[];
  duration_us: number;
}

/** Cuts text to `max` UTF-16 units without splitting a surrogate pair; drops NULs, which PostgreSQL text cannot hold. */
export function cut(text: string, max: number): string {
  const clean = text.includes("\u0000") ? text.replaceAll("\u0000", "") : text;
  if (clean.length <= max) return clean;
  const end = /[\uD800-\uDBFF]/.test(clean.charAt(max - 1)) ? max - 1 : max;
  return clean.slice(0, end);
}

const orNull = (text: string, max: number): string | null => (text === "" ? null : cut(text, max));

function refuse(index: number, field: string, problem: string): never {
  throw invalidArgument("PROVISIONING_ENTRY_INVALID", `entries[${index}].${field} ${problem}`, {
    index: String(index),
    field,
  });
}

/**
 * Checks a batch (R20): at most 500 entries, each with its own id, a valid or empty tenant
 * id, a request id, a time, a known outcome and a plausible status. One malformed entry
 * refuses the whole batch with INVALID_ARGUMENT naming it; over-long text is cut.
 */
export function validateEntries(entries: readonly ProvisioningEntryInput[]): ProvisioningEntryRow[] {
  if (entries.length > limits.maxBatchSize) {
    throw invalidArgument(
      "BATCH_TOO_LARGE",
      `a batch holds at most ${limits.maxBatchSize} entries, got ${entries.length}`,
      { max: String(limits.maxBatchSize) },
    );
  }
  return entries.map((entry, i) => {
    if (!isUuid(entry.id)) refuse(i, "id", "must be a UUID");
    if (entry.tenantId !== "" && !isUuid(entry.tenantId)) refuse(i, "tenant_id", "must be a UUID or empty");
    if (entry.tokenId !== "" && !isUuid(entry.tokenId)) refuse(i, "token_id", "must be a UUID or empty");
    if (entry.tokenId !== "" && entry.tenantId === "")
      refuse(i, "tenant_id", "is required when token_id is set");
    if (entry.requestId === "") refuse(i, "request_id", "is required");
    if (!entry.time || Number.isNaN(entry.time.getTime())) refuse(i, "time", "is required");
    if (!/^[A-Z][A-Z-]*$/.test(entry.method) || entry.method.length > limits.method)
      refuse(i, "method", "must be an HTTP method");
    if (!entry.outcome || !provisioningOutcomes.includes(entry.outcome))
      refuse(i, "outcome", "must be a known outcome");
    if (!Number.isInteger(entry.status) || entry.status < 100 || entry.status > 599)
      refuse(i, "status", "must be an HTTP status (100-599)");
    if (entry.resourceType !== "" && entry.resourceType !== "User" && entry.resourceType !== "Group")
      refuse(i, "resource_type", 'must be "User", "Group" or empty');
    if (!Number.isFinite(entry.durationUs) || entry.durationUs < 0 || entry.durationUs > limits.maxDurationUs)
      refuse(i, "duration", "must be between 0 and one day");
    return {
      id: entry.id.toLowerCase(),
      tenant_id: entry.tenantId === "" ? null : entry.tenantId,
      token_id: entry.tokenId === "" ? null : entry.tokenId,
      request_id: cut(entry.requestId, limits.requestId),
      time: entry.time.toISOString(),
      method: entry.method,
      path: cut(entry.path, limits.path),
      resource_type: entry.resourceType === "" ? null : entry.resourceType,
      resource_id: orNull(entry.resourceId, limits.value),
      user_name: orNull(entry.userName, limits.value),
      external_id: orNull(entry.externalId, limits.value),
      outcome: entry.outcome,
      status: entry.status,
      scim_type: orNull(entry.scimType, limits.scimType),
      detail: orNull(entry.detail, limits.detail),
      ignored_attributes: entry.ignoredAttributes
        .slice(0, limits.ignoredAttributes)
        .map((name) => cut(name, limits.ignoredAttribute)),
      duration_us: Math.round(entry.durationUs),
    };
  });
}
