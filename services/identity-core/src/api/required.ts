import { invalidArgument } from "../domain/domain-error.js";

/** A message field the call cannot do without. */
export function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw invalidArgument("FIELD_REQUIRED", `${field} is required`, { field });
  return value;
}
