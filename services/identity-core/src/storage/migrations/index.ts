import { Migration0001Foundation } from "./migration-0001-foundation.js";
import { Migration0002GroupsAndFeed } from "./migration-0002-groups-and-feed.js";
import { Migration0003GroupMembershipVersion } from "./migration-0003-group-membership-version.js";
import { Migration0004ProvisioningLog } from "./migration-0004-provisioning-log.js";
import { Migration0005ScimPauseAndHandback } from "./migration-0005-scim-pause-and-handback.js";
import { Migration0006DeprovisionBrake } from "./migration-0006-deprovision-brake.js";
import { Migration0007BrakeYoungUsers } from "./migration-0007-brake-young-users.js";
import { Migration0008SeatReleaseOutbox } from "./migration-0008-seat-release-outbox.js";
import { Migration0009UserGroupsIndex } from "./migration-0009-user-groups-index.js";
import { Migration0010TenantPhoneRegion } from "./migration-0010-tenant-phone-region.js";
import { Migration0011OauthClients } from "./migration-0011-oauth-clients.js";
import { Migration0012SeatReleaseDeadline } from "./migration-0012-seat-release-deadline.js";

/** Every migration of identity-core, in order. New ones are appended, never edited. */
export const migrationsList = [
  { name: "Migration0001Foundation", class: Migration0001Foundation },
  { name: "Migration0002GroupsAndFeed", class: Migration0002GroupsAndFeed },
  { name: "Migration0003GroupMembershipVersion", class: Migration0003GroupMembershipVersion },
  { name: "Migration0004ProvisioningLog", class: Migration0004ProvisioningLog },
  { name: "Migration0005ScimPauseAndHandback", class: Migration0005ScimPauseAndHandback },
  { name: "Migration0006DeprovisionBrake", class: Migration0006DeprovisionBrake },
  { name: "Migration0007BrakeYoungUsers", class: Migration0007BrakeYoungUsers },
  { name: "Migration0008SeatReleaseOutbox", class: Migration0008SeatReleaseOutbox },
  { name: "Migration0009UserGroupsIndex", class: Migration0009UserGroupsIndex },
  { name: "Migration0010TenantPhoneRegion", class: Migration0010TenantPhoneRegion },
  { name: "Migration0011OauthClients", class: Migration0011OauthClients },
  { name: "Migration0012SeatReleaseDeadline", class: Migration0012SeatReleaseDeadline },
];
