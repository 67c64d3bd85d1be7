/** The outcome classes of a refused domain operation; the API boundary maps each to a gRPC code. */
export type ErrorKind =
  | "INVALID_ARGUMENT"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "FAILED_PRECONDITION"
  | "ABORTED"
  | "PERMISSION_DENIED"
  | "UNAUTHENTICATED"
  | "UNAVAILABLE";

/**
 * A refusal by a domain rule, with a stable UPPER_SNAKE_CASE reason that clients can
 * switch on (e.g. USER_NAME_TAKEN) and a message a person can read.
 */
export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly reason: string,
    message: string,
    readonly metadata: Record<string, string> = {},
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const invalidArgument = (reason: string, message: string, metadata?: Record<string, string>) =>
  new DomainError("INVALID_ARGUMENT", reason, message, metadata);
export const notFound = (reason: string, message: string) => new DomainError("NOT_FOUND", reason, message);
export const alreadyExists = (reason: string, message: string) =>
  new DomainError("ALREADY_EXISTS", reason, message);
export const permissionDenied = (reason: string, message: string) =>
  new DomainError("PERMISSION_DENIED", reason, message);
export const unauthenticated = (reason: string, message: string) =>
  new DomainError("UNAUTHENTICATED", reason, message);

/**
 * Before commit: when the caller has given up (its deadline passed, its connection closed),
 * the transaction rolls back instead of committing what nobody will hear of (issue 15: a
 * request that answered 503 has committed nothing).
 */
export function throwIfAbandoned(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw new DomainError("UNAVAILABLE", "REQUEST_ABANDONED", "the caller gave up; nothing was stored");
}
