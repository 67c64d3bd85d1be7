export {
  createLogger,
  type Logger,
  type LoggerOptions,
  redactedFields,
  redactedPaths,
} from "./create-logger.js";
export { currentRequestId, type RequestContext, requestContext } from "./request-context.js";
export { serializeError } from "./safe-error.js";
