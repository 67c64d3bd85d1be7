import { expect } from "vitest";
import { ScimError } from "../src/index.js";

/** One row of a fixture table: `source` in, `expected` out, or `expected.error` for a failure. */
export interface FixtureRow<S, E> {
  name?: string;
  source: S;
  expected: E | { error: ExpectedError };
}

export interface ExpectedError {
  status: number;
  scimType: string;
  /** 0-based position the detail must name (parsers only). */
  position?: number;
}

export function isErrorRow<S, E>(
  row: FixtureRow<S, E>,
): row is FixtureRow<S, E> & { expected: { error: ExpectedError } } {
  const expected = row.expected as { error?: unknown };
  return typeof expected === "object" && expected !== null && "error" in expected;
}

/** Asserts that `run` throws a ScimError with the row's status, scimType and (when given) position. */
export function expectScimError(run: () => unknown, error: ExpectedError): void {
  let thrown: unknown;
  try {
    run();
  } catch (caught) {
    thrown = caught;
  }
  expect(thrown).toBeInstanceOf(ScimError);
  const scimError = thrown as ScimError;
  expect({ status: scimError.status, scimType: scimError.scimType }).toEqual({
    status: error.status,
    scimType: error.scimType,
  });
  if (error.position !== undefined) expect(scimError.detail).toContain(`at position ${error.position}`);
}

export const label = (row: { name?: string; source: unknown }) =>
  row.name ?? (typeof row.source === "string" ? row.source : JSON.stringify(row.source));
