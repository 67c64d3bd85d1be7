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
  [Code.Aborted]: { status: 412 },
  [Code.FailedPrecondition]: { status: 400, scimType: "invalidValue" },
  [Code.Unauthenticated]: { status: 401 },
  [Code.PermissionDenied]: { status: 403 },
  [Code.Unavailable]: { status: 503 },
  [Code.DeadlineExceeded]: { status: 503 },
};

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
  return new ScimError(outcome.status, outcome.scimType, error.rawMessage);
}
