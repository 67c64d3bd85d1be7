import { startTracing } from "@cosafe/telemetry/tracing";

// Composition root of the licensing service. Tracing starts first, when OTEL_* ask for it (off by
// default): it instruments http, koa and pg as they load, so everything else is imported after.
const tracing = await startTracing("licensing");
const [
  { ConfigError },
  { exitWithParent, onShutdown },
  { createLogger },
  { startLicensing },
  { loadConfig },
] = await Promise.all([
  import("@cosafe/config"),
  import("@cosafe/lifecycle"),
  import("@cosafe/logging"),
  import("./app.js"),
  import("./config.js"),
]);
try {
  const config = loadConfig();
  const logger = createLogger({ service: "licensing", level: config.logLevel });
  const licensing = await startLicensing(config, logger);
  onShutdown(logger, [licensing.close, async () => tracing?.shutdown()]);
  exitWithParent(config.parentPid, () => process.kill(process.pid, "SIGTERM"));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`licensing: ${error.message}`);
    process.exit(78);
  }
  createLogger({ service: "licensing" }).fatal({ err: error }, "licensing failed to start");
  process.exit(1);
}
