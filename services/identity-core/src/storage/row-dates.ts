/** PostgreSQL's text form of a timestamptz ("2026-12-03 13:45:00.123+00") or a Date, as a Date. */
export function dateFromRow(value: Date | string): Date {
  if (value instanceof Date) return value;
  return new Date(value.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00"));
}

export const dateOrNullFromRow = (value: Date | string | null) =>
  value === null ? null : dateFromRow(value);
