import { UniqueConstraintViolationException } from "@mikro-orm/core";

/** The name of the unique constraint or index a write violated, if that is why it failed. */
export function violatedConstraint(error: unknown): string | undefined {
  if (!(error instanceof UniqueConstraintViolationException)) return undefined;
  const cause = error as unknown as { constraint?: string };
  return cause.constraint ?? /"([^"]+)"/.exec(error.message)?.[1];
}
