import { ConfigError } from "@cosafe/config";
import { exitWithParent, onShutdown } from "@cosafe/lifecycle";
import { createLogger } from "@cosafe/logging";
import { loadConfig } from "./config.js";
import { startScimFacade } from "./server.js";

// Composition root of the SCIM facade.
try {
  const config = loadConfig();
  const logger = createLogger({ service: "scim-facade", level: config.logLevel });
  const facade = await startScimFacade(config, logger);
  onShutdown(logger, [facade.close]);
  exitWithParent(config.parentPid, () => process.kill(process.pid, "SIGTERM"));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`scim-facade: ${error.message}`);
    process.exit(78);
  }
  createLogger({ service: "scim-facade" }).fatal({ err: error }, "scim-facade failed to start");
  process.exit(1);
}
