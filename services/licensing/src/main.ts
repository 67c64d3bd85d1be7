import { ConfigError } from "@cosafe/config";
import { exitWithParent, onShutdown } from "@cosafe/lifecycle";
import { createLogger } from "@cosafe/logging";
import { startLicensing } from "./app.js";
import { loadConfig } from "./config.js";

// Composition root of the licensing service.
try {
  const config = loadConfig();
  const logger = createLogger({ service: "licensing", level: config.logLevel });
  const licensing = await startLicensing(config, logger);
  onShutdown(logger, [licensing.close]);
  exitWithParent(config.parentPid, () => process.kill(process.pid, "SIGTERM"));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`licensing: ${error.message}`);
    process.exit(78);
  }
  createLogger({ service: "licensing" }).fatal({ err: error }, "licensing failed to start");
  process.exit(1);
}
