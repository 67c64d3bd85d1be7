import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "@cosafe/logging";
import { memberColumnsCodecs } from "@cosafe/proto/member-columns-wire";
import { createServiceTransport } from "@cosafe/rpc";
import { createMetricsRegistry, type Registry, startMetricsServer } from "@cosafe/telemetry";
import { createApp } from "./app.js";
import { createCoreClients } from "./clients.js";
import type { ScimFacadeConfig } from "./config.js";
import { answerClientError } from "./middleware/client-error.js";
import { createProvisioningLogBatcher } from "./provisioning-log/index.js";
import { registerProvisioningLogMetrics } from "./provisioning-log/provisioning-log-metrics.js";

export interface ScimFacade {
  port: number;
  /** Prometheus series of this instance (served on SCIM_FACADE_METRICS_PORT when set). */
  metrics: Registry;
  metricsPort: number | undefined;
  close(): Promise<void>;
}

/** Builds the facade from its configuration and starts listening. main.ts and the tests call this. */
export async function startScimFacade(config: ScimFacadeConfig, logger: Logger): Promise<ScimFacade> {
  const transport = createServiceTransport({
    baseUrl: config.identityCoreUrl,
    credential: { service: config.serviceName, secret: config.serviceSecret },
    // Member pages are read by hand: protobuf-es's reader costs most of a large page.
    codecs: memberColumnsCodecs,
  });
  const provisioningLogBatcher = createProvisioningLogBatcher({
    transport,
    serviceName: config.serviceName,
    logger,
    flushIntervalMs: config.provisioningLogFlushIntervalMs,
    maxBatchSize: config.provisioningLogBatchSize,
    maxBuffered: config.provisioningLogBufferSize,
    maxAttempts: config.provisioningLogMaxAttempts,
  });
  const metrics = createMetricsRegistry("scim-facade");
  registerProvisioningLogMetrics(metrics, () => provisioningLogBatcher.stats());
  const app = createApp({
    metrics,
    provisioningLog: provisioningLogBatcher,
    core: createCoreClients(transport),
    logger,
    publicBaseUrl: config.publicBaseUrl,
    serviceName: config.serviceName,
    tokenCacheTtlMs: config.tokenCacheTtlMs,
  });
  const server: Server = createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  server.on("clientError", answerClientError(logger));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, publicBaseUrl: config.publicBaseUrl }, "scim-facade listening");
  const metricsServer =
    config.metricsPort === undefined
      ? undefined
      : await startMetricsServer({ host: config.host, port: config.metricsPort, registry: metrics, logger });
  return {
    port,
    metrics,
    metricsPort: metricsServer?.port,
    close: async () => {
      await metricsServer?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await provisioningLogBatcher.close();
    },
  };
}
