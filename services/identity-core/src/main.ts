import { startTracing } from "@cosafe/telemetry/tracing";

// Composition root of identity-core. Tracing starts first, when OTEL_* ask for it (off by
// default): it instruments http, koa and pg as they load, so everything else is imported after.
const tracing = await startTracing("identity-core");
const [
  { ConfigError },
  { exitWithParent, onShutdown },
  { createLogger },
  { startIdentityCore },
  { loadConfig },
  { installLeanAsyncResourceBind },
] = await Promise.all([
  import("@cosafe/config"),
  import("@cosafe/lifecycle"),
  import("@cosafe/logging"),
  import("./app.js"),
  import("./config.js"),
  import("@cosafe/rpc"),
]);
// Calls to other services go over HTTP/2, which binds an AsyncResource per request: without the
// deprecated accessors Node 20 builds for each (docs/performance.md).
installLeanAsyncResourceBind();
try {
  const config = loadConfig();
  const logger = createLogger({ service: "identity-core", level: config.logLevel });
  const core = await startIdentityCore(config, logger);
  onShutdown(logger, [core.close, async () => tracing?.shutdown()]);
  exitWithParent(config.parentPid, () => process.kill(process.pid, "SIGTERM"));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`identity-core: ${error.message}`);
    process.exit(78);
  }
  createLogger({ service: "identity-core" }).fatal({ err: error }, "identity-core failed to start");
  process.exit(1);
}
