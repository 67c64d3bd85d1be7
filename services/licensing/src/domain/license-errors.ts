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
};
