import { pino } from "pino";
import { requestContext } from "./request-context.js";
import { serializeError } from "./safe-error.js";

export type Logger = pino.Logger;

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where to write; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: pino.DestinationStream;
}

/**
 * Fields whose values never reach a log line: bearer tokens, service credentials, SCIM token
 * secrets (R21) and the personal data of SCIM users and groups — at the top level of a log
 * object and one or two levels down.
 */
export const redactedFields = [
  "authorization",
  "secret",
  "token",
  "password",
  "userName",
  "user_name",
  "name",
  "givenName",
  "familyName",
  "displayName",
  "display_name",
  "emails",
  "email",
  "phoneNumbers",
  "phone_numbers",
  "phone",
  "addresses",
  "body",
];

export const redactedPaths = redactedFields.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);

/** Structured JSON logs; every line of a request carries its requestId. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactedPaths, censor: "[redacted]" },
      // Errors by type, codes and stack; never a database error's SQL, parameters or key values.
      serializers: { err: serializeError, error: serializeError },
      mixin: () => {
        const context = requestContext.getStore();
        return context ? { requestId: context.requestId } : {};
      },
    },
    options.destination,
  );
}
