import { startTracing } from "@cosafe/telemetry/tracing";

// Composition root of the SCIM facade. Tracing starts first, when OTEL_* ask for it (off by
// default): it instruments http, koa and pg as they load, so everything else is imported after.
const tracing = await startTracing("scim-facade");
const [
  { ConfigError },
  { exitWithParent, onShutdown },
  { createLogger },
  { startScimFacade },
  { loadConfig },
  { installLeanAsyncResourceBind },
] = await Promise.all([
  import("@cosafe/config"),
  import("@cosafe/lifecycle"),
  import("@cosafe/logging"),
  import("./server.js"),
  import("./config.js"),
  import("@cosafe/rpc"),
]);
// Calls to other services go over HTTP/2, which binds an AsyncResource per request: without the
// deprecated accessors Node 20 builds for each (docs/performance.md).
installLeanAsyncResourceBind();
try {
  const config = loadConfig();
  const logger = createLogger({ service: "scim-facade", level: config.logLevel });
  const facade = await startScimFacade(config, logger);
  onShutdown(logger, [facade.close, async () => tracing?.shutdown()]);
  exitWithParent(config.parentPid, () => process.kill(process.pid, "SIGTERM"));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`scim-facade: ${error.message}`);
    process.exit(78);
  }
  createLogger({ service: "scim-facade" }).fatal({ err: error }, "scim-facade failed to start");
  process.exit(1);
}
