export { exitWithParent } from "./exit-with-parent.js";
export { onShutdown } from "./on-shutdown.js";
