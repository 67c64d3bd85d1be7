import { Code, errorWithReason } from "@cosafe/rpc";

const domain = "licensing.cosafe.com";

/** The refusals of the licensing service, each with its gRPC code and stable reason. */
export const licenseErrors = {
  roleNotAllowed: (role: string) =>
    errorWithReason(Code.PermissionDenied, "ROLE_NOT_ALLOWED", `role ${role} may not do this`, { domain }),
  tenantNotFound: (tenantId: string) =>
    errorWithReason(Code.NotFound, "TENANT_NOT_FOUND", `tenant ${tenantId} not found`, { domain }),
  invalidLimit: () =>
    errorWithReason(
      Code.InvalidArgument,
      "SEAT_LIMIT_INVALID",
      "seat_limit must be between 0 and 10,000,000",
      { domain },
    ),
  invalidTenantId: () =>
    errorWithReason(Code.InvalidArgument, "TENANT_ID_INVALID", "tenant_id must be a UUID", { domain }),
  invalidUserId: (field = "user_id") =>
    errorWithReason(Code.InvalidArgument, "USER_ID_INVALID", `${field} must be a UUID`, { domain }),
  invalidUserIds: (max: number) =>
    errorWithReason(
      Code.InvalidArgument,
      "USER_IDS_INVALID",
      `user_ids must name between 1 and ${max} users`,
      { domain },
    ),
  invalidSeatId: (field = "seat_id") =>
    errorWithReason(Code.InvalidArgument, "SEAT_ID_INVALID", `${field} must be a UUID`, { domain }),
  invalidGracePeriod: () =>
    errorWithReason(
      Code.InvalidArgument,
      "GRACE_PERIOD_INVALID",
      "grace_period_seconds must not be negative",
      { domain },
    ),
  invalidPage: () =>
    errorWithReason(Code.InvalidArgument, "PAGE_INVALID", "page_size must not be negative", { domain }),
  invalidPageToken: () =>
    errorWithReason(Code.InvalidArgument, "PAGE_TOKEN_INVALID", "page_token is not one this service issued", {
      domain,
    }),
  /** The caller's deadline for an allocation passed before it ran: no seat was taken. */
  allocationExpired: () =>
    errorWithReason(
      Code.DeadlineExceeded,
      "ALLOCATION_EXPIRED",
      "not_after has passed: no seat was allocated",
      { domain },
    ),
  /** R9: the licence is full. Never RESOURCE_EXHAUSTED: that reads as "retry soon" and makes IdPs hammer. */
  limitReached: (seatsInUse: number, seatLimit: number) =>
    errorWithReason(
      Code.FailedPrecondition,
      "LICENSE_LIMIT_REACHED",
      `licence limit reached: ${seatsInUse} of ${seatLimit} seats in use; Cosafe support can raise the limit`,
      { domain, metadata: { seatsInUse: String(seatsInUse), seatLimit: String(seatLimit) } },
    ),
};
