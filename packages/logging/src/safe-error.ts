/**
 * The `err` serializer of every Cosafe logger: type, message, stack, codes and causes of an
 * error, except where a message can carry data. Database errors (MikroORM's DriverException,
 * pg's DatabaseError) put the SQL statement with its parameters — userName, names, phone
 * numbers — and the offending key values into their message and `detail`; of those only the
 * type, SQLSTATE, constraint and table are kept.
 */
export function serializeError(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object") return value;
  const error = value as Record<string, unknown> & { name?: unknown; message?: unknown; stack?: unknown };
  const type = typeof error.name === "string" ? error.name : (error.constructor?.name ?? "Error");
  const cause = depth < 5 && error.cause !== undefined ? serializeError(error.cause, depth + 1) : undefined;
  if (isDatabaseError(error)) {
    return compact({
      type,
      sqlState: stringOf(error.sqlState) ?? stringOf(error.code),
      constraint: stringOf(error.constraint),
      table: stringOf(error.table),
      cause,
    });
  }
  return compact({
    type,
    message: typeof error.message === "string" ? error.message : undefined,
    code: stringOf(error.code),
    stack: typeof error.stack === "string" ? error.stack : undefined,
    cause,
  });
}

/** SQL or key values may be in the message: a driver exception, a pg error, or a message that quotes SQL. */
function isDatabaseError(error: Record<string, unknown>): boolean {
  if ("sqlState" in error || "query" in error || "detail" in error) return true;
  if (typeof error.severity === "string" && typeof error.code === "string") return true;
  const message = typeof error.message === "string" ? error.message : "";
  return /\b(insert into|update\s+\S+\s+set|delete from|select\b[\s\S]*\bfrom)\b/i.test(message);
}

function stringOf(value: unknown): string | undefined {
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}

function compact(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}
