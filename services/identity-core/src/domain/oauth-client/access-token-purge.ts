import type { Logger } from "@cosafe/logging";
import type { MikroORM } from "@mikro-orm/postgresql";
import { RetentionPurge, type RetentionPurgeOptions } from "../retention/retention-purge.js";

/**
 * Issue 16: every client-credentials exchange stores one short-lived access token (a SCIM
 * token row with its client's id). Once expired for a day they are deleted; long-lived SCIM
 * tokens (no client) are never touched.
 */
export class AccessTokenPurge extends RetentionPurge {
  constructor(orm: MikroORM, logger: Logger, options: RetentionPurgeOptions = {}) {
    super(
      {
        name: "oauth-access-tokens",
        table: "identity.scim_token",
        timeColumn: "expires_at",
        condition: "oauth_client_id is not null",
        defaultRetentionDays: 1,
      },
      orm,
      logger,
      options,
    );
  }
}
