import { Code, type ConnectError, errorMetadataOf, reasonOf } from "@cosafe/rpc";
import { ScimError, type ScimType } from "@cosafe/scim";
import { scimPausedDetail } from "./middleware/scim-paused-detail.js";

interface ScimOutcome {
  status: number;
  scimType?: ScimType;
}

/**
 * The one table from identity-core and licensing outcomes to SCIM statuses
 * (docs/adr/0004-error-translation.md). A reason-specific row wins over its code's row.
 */
const byReason: Record<string, ScimOutcome> = {
  USER_NAME_REQUIRED: { status: 400, scimType: "invalidValue" },
  // Stored text limits (docs/adr/0018): the facade checks them first, identity-core again.
  TEXT_TOO_LONG: { status: 400, scimType: "invalidValue" },
  TEXT_CONTROL_CHARACTER: { status: 400, scimType: "invalidValue" },
  TEXT_INVALID_UNICODE: { status: 400, scimType: "invalidValue" },
  USER_NAME_TAKEN: { status: 409, scimType: "uniqueness" },
  GROUP_NAME_TAKEN: { status: 409, scimType: "uniqueness" },
  GROUP_EXTERNAL_ID_TAKEN: { status: 409, scimType: "uniqueness" },
  GROUP_NAME_REQUIRED: { status: 400, scimType: "invalidValue" },
  MEMBER_NOT_FOUND: { status: 400, scimType: "invalidValue" },
  ETAG_MISMATCH: { status: 412 },
  FILTER_INVALID: { status: 400, scimType: "invalidFilter" },
  SORT_INVALID: { status: 400, scimType: "invalidValue" },
  CURSOR_INVALID: { status: 400, scimType: "invalidCursor" },
  CURSOR_WITH_SORT: { status: 400, scimType: "invalidValue" },
  LICENSE_LIMIT_REACHED: { status: 403 },
  LICENSING_UNAVAILABLE: { status: 503 },
  CONCURRENT_MODIFICATION: { status: 503 },
  // The mass-deprovision brake (docs/adr/0012): 503 + Retry-After, so the IdP retries on its own.
  DEPROVISION_HELD: { status: 503 },
  // Support paused SCIM for the tenant (identity-core refuses the write itself, issue 16).
  SCIM_PAUSED: { status: 503 },
  TOKEN_INVALID: { status: 401 },
  TOKEN_REVOKED: { status: 401 },
  TOKEN_EXPIRED: { status: 401 },
};

const byCode: Partial<Record<Code, ScimOutcome>> = {
  [Code.InvalidArgument]: { status: 400, scimType: "invalidValue" },
  [Code.NotFound]: { status: 404 },
  [Code.AlreadyExists]: { status: 409, scimType: "uniqueness" },
  // A real ABORTED carries a reason (ETAG_MISMATCH → 412 above); any other is a retryable race.
  [Code.Aborted]: { status: 503 },
  [Code.FailedPrecondition]: { status: 400, scimType: "invalidValue" },
  [Code.Unauthenticated]: { status: 401 },
  [Code.PermissionDenied]: { status: 403 },
  [Code.Unavailable]: { status: 503 },
  [Code.DeadlineExceeded]: { status: 503 },
};

/**
 * The one 401 detail, whatever was wrong with the token (unknown, revoked, expired, malformed or
 * missing): telling them apart would help whoever holds a stolen or guessed token. The actual
 * reason goes to the provisioning log's support-only stream (R20).
 */
export const tokenRefusedDetail =
  "the bearer token was refused: send Authorization: Bearer <SCIM token> with a current token issued by Cosafe";

/** Codes a broken connection to identity-core surfaces as (connect-node: ECONNRESET → Aborted, ECONNREFUSED → Unavailable). */
const transportCodes = new Set([
  Code.Aborted,
  Code.Unavailable,
  Code.DeadlineExceeded,
  Code.Canceled,
  Code.Unknown,
]);
const transportMessage =
  /http\/2 stream closed|ECONNRESET|ECONNREFUSED|EPIPE|socket hang up|premature close/i;

/**
 * True when the call failed on the way, not in identity-core's logic: identity-core answers every
 * refusal with an ErrorInfo reason, so a reason-less Aborted/Unavailable/DeadlineExceeded/Canceled/
 * Unknown, or an Internal that names a broken stream, is the connection (refused, reset, crash
 * mid-request, deadline). Such a request may or may not have committed: 503, never 412.
 */
export function isTransportFailure(error: ConnectError): boolean {
  if (reasonOf(error) !== undefined) return false;
  return (
    transportCodes.has(error.code) ||
    (error.code === Code.Internal && transportMessage.test(error.rawMessage))
  );
}

/** Error reasons an identity provider's administrator should see spelled out in the detail. */
const licenceDetail = (error: ConnectError) => {
  const { seatsInUse, seatLimit } = errorMetadataOf(error);
  return seatsInUse && seatLimit
    ? `licence limit reached: ${seatsInUse} of ${seatLimit} seats in use; contact Cosafe support to raise the limit`
    : error.rawMessage;
};

/**
 * Translates an error from a gRPC call into a SCIM error. Unexpected codes become a
 * generic 500: the detail never carries internals (they are logged instead).
 */
export function scimErrorFromRpc(error: ConnectError): ScimError {
  const reason = reasonOf(error) ?? "";
  if (isTransportFailure(error))
    return new ScimError(503, undefined, "Cosafe could not complete the request; retry later");
  const outcome = byReason[reason] ?? byCode[error.code];
  if (!outcome) return new ScimError(500, undefined, "internal error");
  if (reason === "DEPROVISION_HELD")
    return new ScimError(
      503,
      undefined,
      "deprovisioning held by Cosafe's mass-deprovision brake; Cosafe support has been alerted; retry later",
    );
  if (reason === "SCIM_PAUSED") return new ScimError(503, undefined, scimPausedDetail);
  if (outcome.status === 503)
    return new ScimError(503, undefined, "service temporarily unavailable; retry later");
  if (reason === "LICENSE_LIMIT_REACHED") return new ScimError(403, undefined, licenceDetail(error));
  if (outcome.status === 401) return new ScimError(401, undefined, tokenRefusedDetail);
  return new ScimError(outcome.status, outcome.scimType, error.rawMessage);
}
