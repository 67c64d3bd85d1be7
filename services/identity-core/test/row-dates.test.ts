import { describe, expect, it } from "vitest";
import { dateFromRow, dateOrNullFromRow } from "../src/storage/row-dates.js";

/** The reading every form went through before the digit-by-digit one. */
const general = (value: string) => new Date(value.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00"));

describe("timestamps as PostgreSQL sends them", () => {
  it("reads the ISO DateStyle form as the general reading does: fractions, offsets, edges", () => {
    const samples = [
      "2026-12-03 13:45:00+00",
      "2026-12-03 13:45:00.1+00",
      "2026-12-03 13:45:00.123+00",
      "2026-12-03 13:45:00.123456+00",
      "2026-12-03 13:45:00.999999+00",
      "2026-12-03 13:45:00.5-08",
      "2026-12-03 13:45:00.25+05:30",
      "2026-12-03 00:00:00-09:30",
      "2024-02-29 23:59:59.999+00",
      "1970-01-01 00:00:00+00",
      "1969-12-31 23:59:59.5+00",
      "0099-06-01 12:00:00+00",
      "2000-01-01 00:00:00+14",
    ];
    for (const value of samples) expect(dateFromRow(value).getTime(), value).toBe(general(value).getTime());
    for (let i = 0; i < 2_000; i++) {
      const date = new Date(Date.UTC(1900, 0, 1) + Math.floor(Math.random() * 250 * 365.25 * 86_400_000));
      const text = `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 23)}${String(i % 1000).padStart(3, "0")}+00`;
      expect(dateFromRow(text).getTime(), text).toBe(date.getTime());
    }
  });

  it("passes Dates and nulls through, and reads other forms the general way", () => {
    const date = new Date("2026-12-04T10:00:00Z");
    expect(dateFromRow(date)).toBe(date);
    expect(dateOrNullFromRow(null)).toBeNull();
    for (const other of [
      "2026-12-03 13:45:00+05:30:15",
      "0044-03-15 12:00:00+00 BC",
      "2026-12-03T13:45:00Z",
      "infinity",
    ])
      expect(dateFromRow(other).getTime(), other).toEqual(general(other).getTime());
  });
});
