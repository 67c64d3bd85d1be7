import type { Logger } from "@cosafe/logging";
import { memberColumnsCodecs } from "@cosafe/proto/member-columns-wire";
import { type RpcServer, ServingStatus, startRpcServer } from "@cosafe/rpc";
import { migrateUnderLock, poolStats, startDatabaseProbe } from "@cosafe/storage";
import {
  createMetricsRegistry,
  type MetricsServer,
  type Registry,
  registerDbPoolMetrics,
  rpcMetricsInterceptor,
  startMetricsServer,
} from "@cosafe/telemetry";
import { MikroORM } from "@mikro-orm/postgresql";
import { heldDeprovisionInterceptor } from "./api/deprovision-brake-service.js";
import { errorTranslationInterceptor } from "./api/error-translation.js";
import type { IdentityCoreConfig } from "./config.js";
import { AccountCommands } from "./domain/account/account-commands.js";
import { AuditQueries } from "./domain/audit/audit-queries.js";
import { DeprovisionBrake } from "./domain/brake/deprovision-brake.js";
import { ChangeFeed } from "./domain/changes/change-feed.js";
import { ChangeFeedPurge } from "./domain/changes/change-feed-purge.js";
import { GroupCommands } from "./domain/group/group-commands.js";
import { GroupQueries } from "./domain/group/group-queries.js";
import { GroupTombstonePurge } from "./domain/group/tombstone-purge.js";
import { ImportCommands } from "./domain/import/import-commands.js";
import { licensingLicenseReader } from "./domain/import/import-licenses.js";
import { AccessTokenPurge } from "./domain/oauth-client/access-token-purge.js";
import { OAuthClientCommands } from "./domain/oauth-client/oauth-client-commands.js";
import { ProvisioningLog } from "./domain/provisioning-log/provisioning-log.js";
import { ProvisioningLogPurge } from "./domain/provisioning-log/retention-purge.js";
import { ScimControl } from "./domain/scim-control/scim-control.js";
import { ScimTokenCommands } from "./domain/scim-token/scim-token-commands.js";
import { TokenExpiryReport } from "./domain/scim-token/token-expiry-report.js";
import type { SeatReconciliation } from "./domain/seats/seat-reconciliation.js";
import type { SeatReleaseOutbox } from "./domain/seats/seat-release-outbox.js";
import { connectSeats } from "./domain/seats/seat-wiring.js";
import type { SeatAuthority } from "./domain/seats.js";
import { TenantCommands } from "./domain/tenant/tenant-commands.js";
import { CreateUser } from "./domain/user/create-user.js";
import { DeleteUser } from "./domain/user/delete-user.js";
import { type InvitationNotifier, LogInvitationNotifier } from "./domain/user/invitation-notifier.js";
import { InviteUser } from "./domain/user/invite-user.js";
import { UpdateUser } from "./domain/user/update-user.js";
import { UserQueries } from "./domain/user/user-queries.js";
import { registerCoreMetrics } from "./metrics/core-metrics.js";
import { routes, serviceNames } from "./routes.js";
import { schemaName } from "./storage/entities.js";
import { ormConfig } from "./storage/orm-config.js";

export interface IdentityCore {
  server: RpcServer;
  orm: MikroORM;
  /** Present when seats are metered by the licensing service. */
  reconciliation: SeatReconciliation | undefined;
  /** The seat ledger with its release outbox (docs/adr/0013-seat-release-outbox.md). */
  seats: SeatReleaseOutbox;
  /** Prometheus series of this instance (served on IDENTITY_CORE_METRICS_PORT when set). */
  metrics: Registry;
  metricsServer: MetricsServer | undefined;
  close(): Promise<void>;
}

/**
 * Builds and starts identity-core: connects to PostgreSQL, applies pending migrations
 * under an advisory lock, wires the domain and serves it. main.ts and the tests call this.
 */
export async function startIdentityCore(
  config: IdentityCoreConfig,
  logger: Logger,
  options: { seats?: SeatAuthority; notifier?: InvitationNotifier; onQuery?: (sql: string) => void } = {},
): Promise<IdentityCore> {
  const orm = await MikroORM.init(
    ormConfig(config.databaseUrl, {
      poolMax: config.dbPoolMax,
      ...(options.onQuery ? { onQuery: options.onQuery } : {}),
    }),
  );
  try {
    const applied = await migrateUnderLock(orm, config.databaseUrl, schemaName);
    if (applied.length > 0) logger.info({ migrations: applied }, "applied migrations");
    const { seats, reconciliation } = connectSeats(orm, logger, config, options.seats);
    const metrics = createMetricsRegistry("identity-core");
    registerDbPoolMetrics(metrics, poolStats(orm));
    const coreMetrics = registerCoreMetrics(metrics, orm);
    const provisioningLog = new ProvisioningLog(orm);
    const deprovisionBrake = new DeprovisionBrake(orm, logger, provisioningLog);
    const domain = {
      tenants: new TenantCommands(orm),
      accounts: new AccountCommands(orm),
      createUser: new CreateUser(orm, seats),
      updateUser: new UpdateUser(orm, seats),
      deleteUser: new DeleteUser(orm, seats),
      inviteUser: new InviteUser(orm, options.notifier ?? new LogInvitationNotifier(logger)),
      users: new UserQueries(orm),
      groups: new GroupCommands(orm, seats),
      groupQueries: new GroupQueries(orm),
      tokens: new ScimTokenCommands(orm),
      oauthClients: new OAuthClientCommands(orm),
      audit: new AuditQueries(orm),
      feed: new ChangeFeed(orm),
      feedObserver: coreMetrics.changeFeed,
      provisioningLog,
      deprovisionBrake,
      scimControl: new ScimControl(orm),
      reconciliation,
      imports: new ImportCommands(
        orm,
        seats,
        options.seats || !config.licensing
          ? undefined
          : licensingLicenseReader({ ...config.licensing, timeoutMs: config.licensingTimeoutMs }),
      ),
    };
    const server = await startRpcServer({
      host: config.host,
      port: config.port,
      logger,
      credentials: config.credentials,
      routes: routes(domain),
      serviceNames,
      // Inside the translation: records held deprovisionings, then the refusal is translated.
      interceptors: [errorTranslationInterceptor, heldDeprovisionInterceptor(deprovisionBrake)],
      outerInterceptors: [rpcMetricsInterceptor(metrics)],
      // Member pages are written by hand: protobuf-es's writer costs most of a large page.
      codecs: memberColumnsCodecs,
    });
    logger.info({ port: server.port }, "identity-core serving gRPC");
    // Readiness follows the database: NOT_SERVING within 3 s of PostgreSQL becoming unreachable.
    const databaseProbe = startDatabaseProbe({
      databaseUrl: config.databaseUrl,
      onChange: (reachable) => {
        server.health.set(reachable ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
        if (reachable) logger.info("database reachable again: serving");
        else logger.error("database unreachable: health NOT_SERVING");
      },
    });
    const metricsServer =
      config.metricsPort === undefined
        ? undefined
        : await startMetricsServer({
            host: config.host,
            port: config.metricsPort,
            registry: metrics,
            logger,
          });
    const purge = new ProvisioningLogPurge(orm, logger, {
      retentionDays: config.provisioningLogRetentionDays,
      intervalMs: config.provisioningLogPurgeIntervalMs,
    });
    purge.start();
    const tombstones = new GroupTombstonePurge(orm, logger, {
      retentionDays: config.groupTombstoneRetentionDays,
      intervalMs: config.provisioningLogPurgeIntervalMs,
    });
    tombstones.start();
    const changeFeedPurge = new ChangeFeedPurge(orm, logger, {
      retentionDays: config.changeFeedRetentionDays,
      intervalMs: config.provisioningLogPurgeIntervalMs,
    });
    changeFeedPurge.start();
    const accessTokenPurge = new AccessTokenPurge(orm, logger, {
      intervalMs: config.provisioningLogPurgeIntervalMs,
    });
    accessTokenPurge.start();
    const tokenExpiry = new TokenExpiryReport(orm, domain.provisioningLog, logger);
    tokenExpiry.start();
    seats.start();
    reconciliation?.start();
    return {
      server,
      orm,
      reconciliation,
      seats,
      metrics,
      metricsServer,
      close: async () => {
        await metricsServer?.close();
        await databaseProbe.stop();
        await server.close();
        await reconciliation?.stop();
        await seats.stop();
        await purge.stop();
        await tombstones.stop();
        await changeFeedPurge.stop();
        await accessTokenPurge.stop();
        await tokenExpiry.stop();
        await orm.close();
      },
    };
  } catch (error) {
    await orm.close();
    throw error;
  }
}
