import type { Logger } from "@cosafe/logging";
import { LicenseService } from "@cosafe/proto/licensing";
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
import { errorTranslationInterceptor } from "./api/error-translation.js";
import { licenseService } from "./api/license-service.js";
import type { LicensingConfig } from "./config.js";
import { LicenseCommands } from "./domain/license-commands.js";
import { SeatCommands } from "./domain/seat-commands.js";
import { registerSeatMetrics } from "./metrics/seat-metrics.js";
import { schemaName } from "./storage/entities.js";
import { ormConfig } from "./storage/orm-config.js";

export interface Licensing {
  server: RpcServer;
  /** Prometheus series of this instance (served on LICENSING_METRICS_PORT when set). */
  metrics: Registry;
  metricsServer: MetricsServer | undefined;
  close(): Promise<void>;
}

/** Builds and starts the licensing service: migrations under an advisory lock, then gRPC. */
export async function startLicensing(config: LicensingConfig, logger: Logger): Promise<Licensing> {
  const orm = await MikroORM.init(ormConfig(config.databaseUrl, { poolMax: config.dbPoolMax }));
  try {
    const applied = await migrateUnderLock(orm, config.databaseUrl, schemaName);
    if (applied.length > 0) logger.info({ migrations: applied }, "applied migrations");
    const licenses = new LicenseCommands(orm);
    const seats = new SeatCommands(orm);
    const metrics = createMetricsRegistry("licensing");
    registerDbPoolMetrics(metrics, poolStats(orm));
    registerSeatMetrics(metrics, orm, config.metricsTenantsMax);
    const server = await startRpcServer({
      host: config.host,
      port: config.port,
      logger,
      credentials: config.credentials,
      routes: (router) => router.service(LicenseService, licenseService({ licenses, seats })),
      serviceNames: [LicenseService.typeName],
      outerInterceptors: [rpcMetricsInterceptor(metrics)],
      interceptors: [errorTranslationInterceptor],
    });
    logger.info({ port: server.port }, "licensing serving gRPC");
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
    return {
      server,
      metrics,
      metricsServer,
      close: async () => {
        await metricsServer?.close();
        await databaseProbe.stop();
        await server.close();
        await orm.close();
      },
    };
  } catch (error) {
    await orm.close();
    throw error;
  }
}
