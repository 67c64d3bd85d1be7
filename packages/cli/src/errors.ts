import type { DescService } from "@bufbuild/protobuf";
import { ConfigError } from "@cosafe/config";
import { Code, ConnectError, reasonOf } from "@cosafe/rpc";
import { UsageError } from "./args.js";
import { ExitCode } from "./exit-codes.js";

/** A failed call, labelled with the service and method it went to (see `labelClient`). */
export class ServiceCallError extends Error {
  constructor(
    /** "identity-core" or "licensing". */
    readonly service: string,
    readonly url: string,
    /** e.g. "TenantService.GetTenant". */
    readonly method: string,
    override readonly cause: ConnectError,
    readonly requestId: string,
  ) {
    super(cause.rawMessage);
    this.name = "ServiceCallError";
  }
}

/** A feature the servers do not offer yet; the message says what is missing. */
export class NotAvailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotAvailableError";
  }
}

/** A refusal the CLI itself reports after asking the services (e.g. an account of another tenant). */
export class CommandFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CommandFailure";
  }
}

/** What the user sees and the exit code, for any error a command can end with. */
export interface Translated {
  exitCode: ExitCode;
  message: string;
  /** Extra lines for people (which call, gRPC code, reason, request id). */
  details: string[];
  /** The same, for `--json` (printed on stderr). */
  json: Record<string, unknown>;
}

type Explain = (e: ServiceCallError) => string;

/** The one table from gRPC status codes to exit codes and explanations. */
const table: Partial<Record<Code, { exitCode: ExitCode; explain: Explain }>> = {
  [Code.Unavailable]: {
    exitCode: ExitCode.UNAVAILABLE,
    explain: (e) =>
      `cannot reach ${e.service} at ${e.url} (${e.message}); is it running, and is the URL right?`,
  },
  [Code.DeadlineExceeded]: {
    exitCode: ExitCode.UNAVAILABLE,
    explain: (e) => `${e.service} at ${e.url} did not answer in time`,
  },
  [Code.Unauthenticated]: {
    exitCode: ExitCode.UNAVAILABLE,
    explain: (e) =>
      `${e.service} rejected the CLI's credentials (${e.message}); the server's COSAFE_SERVICE_CREDENTIALS ` +
      "must list COSAFE_SERVICE_NAME:COSAFE_SERVICE_SECRET",
  },
  [Code.Canceled]: { exitCode: ExitCode.INTERRUPTED, explain: () => "interrupted" },
  [Code.Unimplemented]: {
    exitCode: ExitCode.FAILURE,
    explain: (e) => `not available yet: ${e.service} at ${e.url} does not offer ${e.method}`,
  },
  [Code.PermissionDenied]: {
    exitCode: ExitCode.FAILURE,
    explain: (e) => `${e.service} refused: ${e.message} (is COSAFE_SUPPORT_PERSON acting as support?)`,
  },
  [Code.NotFound]: { exitCode: ExitCode.FAILURE, explain: (e) => `not found: ${e.message}` },
  [Code.InvalidArgument]: { exitCode: ExitCode.FAILURE, explain: (e) => `invalid request: ${e.message}` },
  [Code.FailedPrecondition]: { exitCode: ExitCode.FAILURE, explain: (e) => `refused: ${e.message}` },
  [Code.AlreadyExists]: { exitCode: ExitCode.FAILURE, explain: (e) => `already exists: ${e.message}` },
  [Code.Aborted]: {
    exitCode: ExitCode.FAILURE,
    explain: (e) => `changed concurrently, nothing was written: ${e.message}; run the command again`,
  },
};

const fallback = {
  exitCode: ExitCode.FAILURE,
  explain: (e: ServiceCallError) => `${e.service} failed: ${e.message}`,
};

/** `NOT_FOUND` for Code.NotFound: the names gRPC documentation and the protos use. */
export function codeName(code: Code): string {
  return (Code[code] ?? "UNKNOWN").replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

/** Turns whatever a command threw into a message and an exit code. */
export function translateError(error: unknown): Translated {
  if (error instanceof ServiceCallError) {
    const entry = table[error.cause.code] ?? fallback;
    const code = codeName(error.cause.code);
    const reason = reasonOf(error.cause);
    const message = entry.explain(error);
    return {
      exitCode: entry.exitCode,
      message,
      details: [
        `${error.service} ${error.method}: ${code}${reason ? `, reason ${reason}` : ""}, request id ${error.requestId}`,
      ],
      json: {
        message,
        service: error.service,
        method: error.method,
        code,
        ...(reason ? { reason } : {}),
        serverMessage: error.message,
        requestId: error.requestId,
      },
    };
  }
  if (error instanceof UsageError) return plain(ExitCode.USAGE, error.message, "USAGE");
  if (error instanceof ConfigError) {
    return plain(ExitCode.USAGE, `${error.message}\n(see \`cosafe --help\` for the variables)`, "CONFIG");
  }
  if (error instanceof NotAvailableError) return plain(ExitCode.FAILURE, error.message, "NOT_AVAILABLE");
  if (error instanceof CommandFailure) return plain(ExitCode.FAILURE, error.message, "FAILED");
  if (error instanceof ConnectError && error.code === Code.Canceled) {
    return plain(ExitCode.INTERRUPTED, "interrupted", "INTERRUPTED");
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return plain(ExitCode.FAILURE, `unexpected error: ${message}`, "INTERNAL");
}

function plain(exitCode: ExitCode, message: string, code: string): Translated {
  return { exitCode, message, details: [], json: { message, code } };
}

/**
 * Wraps a connect client so each failed unary call throws a ServiceCallError naming the
 * service, URL and method, which `translateError` turns into a message and exit code.
 */
export function labelClient<T extends object>(
  client: T,
  service: DescService,
  label: { service: string; url: string; requestId: string },
): T {
  const wrapped: Record<string, unknown> = {};
  for (const [key, method] of Object.entries(service.method)) {
    const call = (client as Record<string, (...args: unknown[]) => Promise<unknown>>)[key];
    if (!call || method.methodKind !== "unary") continue;
    wrapped[key] = async (...args: unknown[]) => {
      try {
        return await call(...args);
      } catch (error) {
        if (!(error instanceof ConnectError)) throw error;
        const name = `${service.name}.${method.name}`;
        throw new ServiceCallError(label.service, label.url, name, error, label.requestId);
      }
    };
  }
  return wrapped as T;
}
