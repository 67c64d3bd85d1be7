import type { ConnectRouter } from "@connectrpc/connect";
import { AuditService, ScimTokenService, TenantService, UserService } from "@cosafe/proto/identity";
import { auditService } from "./api/audit-service.js";
import { scimTokenService } from "./api/scim-token-service.js";
import { tenantService } from "./api/tenant-service.js";
import { userService } from "./api/user-service.js";
import type { AuditQueries } from "./domain/audit/audit-queries.js";
import type { ScimTokenCommands } from "./domain/scim-token/scim-token-commands.js";
import type { TenantCommands } from "./domain/tenant/tenant-commands.js";
import type { CreateUser } from "./domain/user/create-user.js";
import type { UserQueries } from "./domain/user/user-queries.js";

export interface Domain {
  tenants: TenantCommands;
  createUser: CreateUser;
  users: UserQueries;
  tokens: ScimTokenCommands;
  audit: AuditQueries;
}

/** The services identity-core serves. RPCs not implemented yet answer UNIMPLEMENTED. */
export const serviceNames = [TenantService, UserService, ScimTokenService, AuditService].map(
  (s) => s.typeName,
);

export function routes(domain: Domain) {
  return (router: ConnectRouter) => {
    router.service(TenantService, tenantService(domain));
    router.service(UserService, userService(domain));
    router.service(ScimTokenService, scimTokenService(domain));
    router.service(AuditService, auditService(domain));
  };
}
