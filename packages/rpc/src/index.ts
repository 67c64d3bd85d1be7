export { callContextKey, callContextOf } from "./call-context.js";
export {
  actorHeaders,
  type CallActor,
  type CallContext,
  headers,
  parseActor,
  systemActor,
} from "./call-metadata.js";
export {
  type ClientTransportOptions,
  createServiceTransport,
  type ServiceCredential,
} from "./client-transport.js";
export {
  Code,
  ConnectError,
  databaseUnavailableError,
  errorMetadataOf,
  errorWithReason,
  reasonOf,
} from "./error-info.js";
export { Health, HealthState, ServingStatus } from "./health-service.js";
export { installLeanAsyncResourceBind } from "./lean-async-resource-bind.js";
export { createLoggingInterceptor } from "./logging-interceptor.js";
export { processInterceptors } from "./process-interceptors.js";
export { type RpcServer, type RpcServerOptions, startRpcServer } from "./rpc-server.js";
export { createServerAuthInterceptor } from "./server-auth-interceptor.js";
export { type WaitUntilServingOptions, waitUntilServing } from "./wait-until-serving.js";
