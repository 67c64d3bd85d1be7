/**
 * PostgreSQL's text form of a timestamptz ("2026-12-03 13:45:00.123456+00", ISO DateStyle) or a
 * Date, as a Date. Every row of a user or group read carries two, so the common form is read
 * digit by digit; anything else (BC, a five-digit year, an offset with seconds, infinity) goes
 * through the general reading.
 */
export function dateFromRow(value: Date | string): Date {
  if (value instanceof Date) return value;
  return new Date(isoMillis(value) ?? generalMillis(value));
}

export const dateOrNullFromRow = (value: Date | string | null) =>
  value === null ? null : dateFromRow(value);

/** The general reading: ISO 8601 with a "T" and an offset of hours and minutes. */
function generalMillis(value: string): number {
  return Date.parse(value.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00"));
}

const digit = (value: string, at: number) => {
  const d = value.charCodeAt(at) - 48;
  return d >= 0 && d <= 9 ? d : Number.NaN;
};
const two = (value: string, at: number) => digit(value, at) * 10 + digit(value, at + 1);

/** "YYYY-MM-DD HH:MM:SS[.f…]±HH[:MM]" as epoch milliseconds, or undefined for any other form. */
function isoMillis(value: string): number | undefined {
  if (value.length < 22 || value[4] !== "-" || value[7] !== "-" || value[10] !== " ") return undefined;
  if (value[13] !== ":" || value[16] !== ":") return undefined;
  let at = 19;
  let millis = 0;
  if (value[at] === ".") {
    let scale = 100;
    at++;
    while (at < value.length && value.charCodeAt(at) >= 48 && value.charCodeAt(at) <= 57) {
      millis += (value.charCodeAt(at) - 48) * scale;
      scale /= 10;
      at++;
    }
    millis = Math.floor(millis);
  }
  const sign = value[at] === "+" ? 1 : value[at] === "-" ? -1 : 0;
  const rest = value.length - at;
  if (sign === 0 || (rest !== 3 && rest !== 6) || (rest === 6 && value[at + 3] !== ":")) return undefined;
  const offsetMinutes = sign * (two(value, at + 1) * 60 + (rest === 6 ? two(value, at + 4) : 0));
  const year = two(value, 0) * 100 + two(value, 2);
  const utc = Date.UTC(
    year,
    two(value, 5) - 1,
    two(value, 8),
    two(value, 11),
    two(value, 14),
    two(value, 17),
    millis,
  );
  // Date.UTC reads years 0–99 as 1900–1999; PostgreSQL's are real years.
  const fixed = year < 100 ? new Date(utc).setUTCFullYear(year) : utc;
  const result = fixed - offsetMinutes * 60_000;
  return Number.isNaN(result) ? undefined : result;
}
