/**
 * SQLSTATEs that mean the database could not serve the request at all, not that the request
 * was wrong: too many connections (53300), the server shutting down or restarting (57P01,
 * 57P02, 57P03) and lost connections (class 08). A retry may succeed.
 */
const unavailableStates = new Set(["53300", "57P01", "57P02", "57P03"]);

/** True when a database call failed because PostgreSQL was unreachable or out of connections. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && depth < 4; depth++) {
    const { code, name, message } = cause as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === "string" && (unavailableStates.has(code) || code.startsWith("08"))) return true;
    if (code === "ECONNREFUSED" || code === "ECONNRESET") return true;
    // The pool could not hand out a connection in time (knex/tarn).
    if (name === "KnexTimeoutError" || (typeof message === "string" && message.startsWith("Knex: Timeout")))
      return true;
    cause = (cause as { cause?: unknown }).cause ?? (cause as { previous?: unknown }).previous;
  }
  return false;
}
