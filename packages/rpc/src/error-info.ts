import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "@cosafe/proto/google-rpc";

/**
 * A ConnectError with a google.rpc.ErrorInfo detail whose `reason` is a stable
 * UPPER_SNAKE_CASE constant, readable by connect and plain gRPC clients alike.
 */
export function errorWithReason(
  code: Code,
  reason: string,
  message: string,
  options: { domain: string; metadata?: Record<string, string>; cause?: unknown },
): ConnectError {
  const info = create(ErrorInfoSchema, { reason, domain: options.domain, metadata: options.metadata ?? {} });
  return new ConnectError(message, code, undefined, [{ desc: ErrorInfoSchema, value: info }], options.cause);
}

/** The ErrorInfo reason of an error received from another service, if it carries one. */
export function reasonOf(error: ConnectError): string | undefined {
  return error.findDetails(ErrorInfoSchema)[0]?.reason;
}

/** The ErrorInfo metadata of an error received from another service. */
export function errorMetadataOf(error: ConnectError): Record<string, string> {
  return error.findDetails(ErrorInfoSchema)[0]?.metadata ?? {};
}

export { Code, ConnectError };

/**
 * UNAVAILABLE `DATABASE_UNAVAILABLE`: the service's database refused or dropped the connection,
 * so nothing was stored and the caller may retry. Each service's error table decides when.
 */
export function databaseUnavailableError(
  domain: string,
  cause: unknown,
  subject = "the database",
): ConnectError {
  return errorWithReason(
    Code.Unavailable,
    "DATABASE_UNAVAILABLE",
    `${subject} is unavailable or out of connections; nothing was stored, retry later`,
    { domain, cause },
  );
}
