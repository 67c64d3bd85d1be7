import type { ConnectRouter } from "@connectrpc/connect";
import {
  AccountService,
  AuditService,
  ChangeFeedService,
  DeprovisionBrakeService,
  GroupService,
  ImportService,
  OAuthClientService,
  ProvisioningLogService,
  ScimTokenService,
  SeatService,
  TenantService,
  UserService,
} from "@cosafe/proto/identity";
import { accountService } from "./api/account-service.js";
import { auditService } from "./api/audit-service.js";
import { changeFeedService } from "./api/change-feed-service.js";
import { deprovisionBrakeService } from "./api/deprovision-brake-service.js";
import { groupService } from "./api/group-service.js";
import { importService } from "./api/import-service.js";
import { oauthClientService } from "./api/oauth-client-service.js";
import { provisioningLogService } from "./api/provisioning-log-service.js";
import { scimTokenService } from "./api/scim-token-service.js";
import { seatService } from "./api/seat-service.js";
import { tenantService } from "./api/tenant-service.js";
import { type UserServiceDeps, userService } from "./api/user-service.js";
import type { AccountCommands } from "./domain/account/account-commands.js";
import type { AuditQueries } from "./domain/audit/audit-queries.js";
import type { DeprovisionBrake } from "./domain/brake/deprovision-brake.js";
import type { ChangeFeed } from "./domain/changes/change-feed.js";
import type { GroupCommands } from "./domain/group/group-commands.js";
import type { GroupQueries } from "./domain/group/group-queries.js";
import type { ImportCommands } from "./domain/import/import-commands.js";
import type { OAuthClientCommands } from "./domain/oauth-client/oauth-client-commands.js";
import type { ProvisioningLog } from "./domain/provisioning-log/provisioning-log.js";
import type { ScimControl } from "./domain/scim-control/scim-control.js";
import type { ScimTokenCommands } from "./domain/scim-token/scim-token-commands.js";
import type { SeatReconciliation } from "./domain/seats/seat-reconciliation.js";
import type { TenantCommands } from "./domain/tenant/tenant-commands.js";
import type { ChangeFeedObserver } from "./metrics/core-metrics.js";

export interface Domain extends UserServiceDeps {
  tenants: TenantCommands;
  accounts: AccountCommands;
  groups: GroupCommands;
  groupQueries: GroupQueries;
  tokens: ScimTokenCommands;
  oauthClients: OAuthClientCommands;
  audit: AuditQueries;
  feed: ChangeFeed;
  feedObserver?: ChangeFeedObserver;
  reconciliation: SeatReconciliation | undefined;
  provisioningLog: ProvisioningLog;
  deprovisionBrake: DeprovisionBrake;
  imports: ImportCommands;
  scimControl: ScimControl;
}

const services = [
  TenantService,
  AccountService,
  UserService,
  GroupService,
  ScimTokenService,
  OAuthClientService,
  AuditService,
  ChangeFeedService,
  ProvisioningLogService,
  SeatService,
  DeprovisionBrakeService,
  ImportService,
];

/** The services identity-core serves, by name, for health checks. */
export const serviceNames = services.map((s) => s.typeName);

export function routes(domain: Domain) {
  return (router: ConnectRouter) => {
    router.service(TenantService, tenantService(domain));
    router.service(AccountService, accountService(domain));
    router.service(UserService, userService(domain));
    router.service(GroupService, groupService(domain));
    router.service(ScimTokenService, scimTokenService(domain));
    router.service(OAuthClientService, oauthClientService(domain));
    router.service(AuditService, auditService(domain));
    router.service(ChangeFeedService, changeFeedService(domain));
    router.service(ProvisioningLogService, provisioningLogService(domain));
    router.service(SeatService, seatService(domain));
    router.service(ImportService, importService(domain));
    router.service(DeprovisionBrakeService, deprovisionBrakeService(domain));
  };
}
