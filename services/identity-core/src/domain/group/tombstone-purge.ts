import type { Logger } from "@cosafe/logging";
import type { MikroORM } from "@mikro-orm/postgresql";
import { RetentionPurge, type RetentionPurgeOptions } from "../retention/retention-purge.js";

/**
 * R18: a group deleted in the admin panel leaves a tombstone that answers later IdP requests
 * with "deleted in the admin panel"; it is kept for a configurable time (90 days by default)
 * and then removed. Tombstones never block a new group of the same name or externalId.
 */
export class GroupTombstonePurge extends RetentionPurge {
  constructor(orm: MikroORM, logger: Logger, options: RetentionPurgeOptions = {}) {
    super(
      {
        name: "group-tombstones",
        table: "identity.app_group",
        timeColumn: "deleted_at",
        defaultRetentionDays: 90,
      },
      orm,
      logger,
      options,
    );
  }
}
