import { randomUUID } from "node:crypto";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { type Logger, requestContext } from "@cosafe/logging";
import { headers } from "./call-metadata.js";
import { reasonOf } from "./error-info.js";

/** Codes that mean the caller erred: logged at warn. Everything else failing is logged at error. */
const clientCodes = new Set([
  Code.Canceled,
  Code.InvalidArgument,
  Code.NotFound,
  Code.AlreadyExists,
  Code.PermissionDenied,
  Code.FailedPrecondition,
  Code.Aborted,
  Code.OutOfRange,
  Code.Unauthenticated,
  Code.Unimplemented,
]);

/** Health checks are probes (kubelet, compose, /readyz): logged at debug only. */
const probeServices = new Set(["grpc.health.v1.Health"]);

/**
 * Outermost server interceptor: binds the request id (from the caller, or new) to every
 * log line of the call and logs one line per call. Failures are logged by code, ErrorInfo
 * reason and ids — never the message, which may quote user data, nor a database cause's SQL
 * and parameters (those only at debug). Unexpected errors are logged with their safely
 * serialised cause; the client only ever sees a generic INTERNAL for those.
 */
export function createLoggingInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const requestId = req.header.get(headers.requestId) || randomUUID();
    req.header.set(headers.requestId, requestId);
    return requestContext.run({ requestId }, async () => {
      const started = performance.now();
      const rpc = `${req.service.typeName}/${req.method.name}`;
      try {
        const res = await next(req);
        logger.debug({ rpc, ms: Math.round(performance.now() - started) }, "rpc ok");
        return res;
      } catch (error) {
        const ms = Math.round(performance.now() - started);
        const probe = probeServices.has(req.service.typeName);
        if (error instanceof ConnectError) {
          const clientError = clientCodes.has(error.code);
          const level = probe ? "debug" : clientError ? "warn" : "error";
          logger[level](
            {
              rpc,
              ms,
              code: Code[error.code],
              reason: reasonOf(error),
              ...(clientError ? {} : { err: error.cause }),
            },
            "rpc failed",
          );
          logger.debug(
            { rpc, message: error.rawMessage, cause: String(error.cause ?? "") },
            "rpc failure detail",
          );
          throw error;
        }
        logger.error({ rpc, ms, err: error }, "rpc failed unexpectedly");
        throw new ConnectError("internal error", Code.Internal, undefined, undefined, error);
      }
    });
  };
}
