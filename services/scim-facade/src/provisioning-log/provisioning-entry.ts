import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type ProvisioningEntry, ProvisioningEntrySchema, ProvisioningOutcome } from "@cosafe/proto/identity";
import type { ProvisioningNote } from "../scim-state.js";

/** What one finished SCIM request contributes to its provisioning-log entry (R20). No body, no token. */
export interface FinishedRequest {
  requestId: string;
  /** Arrival, milliseconds since the epoch. */
  startedAtMs: number;
  durationMs: number;
  method: string;
  /** Path below the SCIM base, e.g. "/Users/<id>"; no query string. */
  path: string;
  status: number;
  /** From the SCIM error body the facade answered, if any. */
  scimType?: string | undefined;
  errorDetail?: string | undefined;
  /** Empty when the request had no valid token: the support-only stream. */
  tenantId: string;
  tokenId: string;
  note: ProvisioningNote;
}

/** Text bounds, the same identity-core applies (it would cut longer values itself). */
const limits = {
  requestId: 128,
  path: 2048,
  value: 1024,
  scimType: 64,
  detail: 4096,
  attributes: 200,
  attribute: 256,
};

function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return text.slice(0, end);
}

/**
 * R20 outcome classes by status. The facade answers 403 only for a full licence (R9:
 * LICENSE_LIMIT_REACHED), so 403 is a licence refusal; 401 is a missing, invalid, revoked
 * or expired token.
 */
export function outcomeOf(status: number): ProvisioningOutcome {
  if (status < 400) return ProvisioningOutcome.SUCCESS;
  if (status === 401) return ProvisioningOutcome.UNAUTHENTICATED;
  if (status === 403) return ProvisioningOutcome.LICENSE_REFUSED;
  if (status < 500) return ProvisioningOutcome.CLIENT_ERROR;
  return ProvisioningOutcome.SERVER_ERROR;
}

/** "/Users/abc" → User, "abc"; "/Groups/.search" → Group, no id. */
function resourceOf(path: string): { type: "User" | "Group" | ""; id: string } {
  const match = /^\/(Users|Groups)(?:\/([^/]+))?\/?$/.exec(path);
  if (!match) return { type: "", id: "" };
  const type = match[1] === "Users" ? "User" : "Group";
  const segment = match[2] ?? "";
  if (segment === "" || segment.startsWith(".")) return { type, id: "" };
  try {
    return { type, id: decodeURIComponent(segment) };
  } catch {
    return { type, id: segment };
  }
}

/** Builds the entry the facade sends to identity-core; its id makes retried batches idempotent. */
export function buildProvisioningEntry(request: FinishedRequest): ProvisioningEntry {
  const { note } = request;
  const resource = resourceOf(request.path);
  const detail = [note.detail, request.errorDetail].filter((part) => part).join("; ");
  const durationUs = Math.max(0, Math.round(request.durationMs * 1000));
  return create(ProvisioningEntrySchema, {
    id: randomUUID(),
    tenantId: request.tenantId,
    tokenId: request.tenantId ? request.tokenId : "",
    requestId: cut(request.requestId, limits.requestId),
    time: timestampFromMs(request.startedAtMs),
    method: request.method.toUpperCase(),
    path: cut(request.path, limits.path),
    resourceType: note.resourceType ?? resource.type,
    resourceId: cut(note.resourceId ?? resource.id, limits.value),
    userName: cut(note.userName ?? "", limits.value),
    externalId: cut(note.externalId ?? "", limits.value),
    outcome: outcomeOf(request.status),
    status: request.status,
    scimType: cut(request.scimType ?? "", limits.scimType),
    detail: cut(detail, limits.detail),
    ignoredAttributes: (note.ignoredAttributes ?? [])
      .slice(0, limits.attributes)
      .map((name) => cut(name, limits.attribute)),
    duration: { seconds: BigInt(Math.floor(durationUs / 1e6)), nanos: (durationUs % 1e6) * 1000 },
  });
}
