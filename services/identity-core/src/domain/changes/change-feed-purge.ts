import type { Logger } from "@cosafe/logging";
import type { MikroORM } from "@mikro-orm/postgresql";
import { RetentionPurge, type RetentionPurgeOptions } from "../retention/retention-purge.js";

/**
 * R22b outbox retention: change events older than the retention time (7 days unless
 * configured) are removed. A consumer that stays away longer resumes from the oldest retained
 * event and must re-read current state; group ETags do not depend on old events.
 */
export class ChangeFeedPurge extends RetentionPurge {
  constructor(orm: MikroORM, logger: Logger, options: RetentionPurgeOptions = {}) {
    super(
      {
        name: "change-feed",
        table: "identity.change_event",
        timeColumn: "created_at",
        defaultRetentionDays: 7,
      },
      orm,
      logger,
      options,
    );
  }
}
