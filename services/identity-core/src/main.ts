import { ConfigError } from "@cosafe/config";
import { exitWithParent, onShutdown } from "@cosafe/lifecycle";
import { createLogger } from "@cosafe/logging";
import { startIdentityCore } from "./app.js";
import { loadConfig } from "./config.js";

// Composition root of identity-core: configuration, logger, then the service.
try {
  const config = loadConfig();
  const logger = createLogger({ service: "identity-core", level: config.logLevel });
  const core = await startIdentityCore(config, logger);
  onShutdown(logger, [core.close]);
  exitWithParent(config.parentPid, () => process.kill(process.pid, "SIGTERM"));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`identity-core: ${error.message}`);
    process.exit(78);
  }
  createLogger({ service: "identity-core" }).fatal({ err: error }, "identity-core failed to start");
  process.exit(1);
}
