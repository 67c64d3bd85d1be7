import { randomBytes } from "node:crypto";

/**
 * Every database a test run creates is named `<run id>_…`, and the run id carries its start time
 * (UTC), so leftovers of crashed runs can be recognised and aged: cosafe_test_20261129233000_k3j9x2.
 */
const RUN_ID_PATTERN = /^cosafe_test_(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})_[a-z0-9]{6}/;

export function createRunId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, "")
    .replace(/\D/g, "");
  const suffix = BigInt(`0x${randomBytes(8).toString("hex")}`)
    .toString(36)
    .padStart(6, "0")
    .slice(-6);
  return `cosafe_test_${stamp}_${suffix}`;
}

/** The run id a database name starts with, or undefined if it is not a test database name. */
export function runIdOf(databaseName: string): string | undefined {
  return RUN_ID_PATTERN.exec(databaseName)?.[0];
}

/** When the run that created `databaseName` started, or undefined if it is not a test database. */
export function runStartedAt(databaseName: string): Date | undefined {
  const match = RUN_ID_PATTERN.exec(databaseName);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number);
  return new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second));
}
