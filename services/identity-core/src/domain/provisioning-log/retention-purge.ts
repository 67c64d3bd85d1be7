import type { Logger } from "@cosafe/logging";
import type { MikroORM } from "@mikro-orm/postgresql";
import {
  RetentionPurge,
  type RetentionPurgeOptions,
  retentionLockKey,
} from "../retention/retention-purge.js";

export type { PurgeResult } from "../retention/retention-purge.js";
export type ProvisioningLogPurgeOptions = RetentionPurgeOptions;

/** The advisory lock key of the provisioning-log purge. */
export const provisioningLogPurgeLockKey = retentionLockKey("provisioning-log");

/** R20 retention: provisioning-log entries are kept 30 days unless configured. */
export class ProvisioningLogPurge extends RetentionPurge {
  constructor(orm: MikroORM, logger: Logger, options: RetentionPurgeOptions = {}) {
    super(
      {
        name: "provisioning-log",
        table: "identity.provisioning_entry",
        timeColumn: "time",
        defaultRetentionDays: 30,
      },
      orm,
      logger,
      options,
    );
  }
}
