import { UniqueConstraintViolationException } from "@mikro-orm/core";

/** SQLSTATE unique_violation, as a raw statement (no ORM in between) reports it. */
const uniqueViolation = "23505";

/** The name of the unique constraint or index a write violated, if that is why it failed. */
export function violatedConstraint(error: unknown): string | undefined {
  if (error instanceof UniqueConstraintViolationException) {
    const cause = error as unknown as { constraint?: string };
    return cause.constraint ?? /"([^"]+)"/.exec(error.message)?.[1];
  }
  const raw = error as { code?: unknown; constraint?: unknown } | null;
  if (raw?.code === uniqueViolation && typeof raw.constraint === "string") return raw.constraint;
  return undefined;
}
