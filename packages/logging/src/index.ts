export { createLogger, type Logger, type LoggerOptions, redactedPaths } from "./create-logger.js";
export { currentRequestId, type RequestContext, requestContext } from "./request-context.js";
