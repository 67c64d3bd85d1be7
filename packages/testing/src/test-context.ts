import { inject } from "vitest";
import { ADMIN_URL_ENV, ADMIN_URL_KEY, RUN_ID_ENV, RUN_ID_KEY } from "./provided-context.js";

/**
 * Admin URL of the PostgreSQL server of this test run (superuser or CREATEDB role): the
 * environment variable set by the global setup (inherited by vitest workers and anything they
 * spawn), else vitest's provided context.
 */
export function testAdminUrl(): string {
  return process.env[ADMIN_URL_ENV] ?? injected(ADMIN_URL_KEY) ?? missing(ADMIN_URL_ENV);
}

/** Id of this test run (prefix of every database it creates). */
export function testRunId(): string {
  return process.env[RUN_ID_ENV] ?? injected(RUN_ID_KEY) ?? missing(RUN_ID_ENV);
}

function injected(key: typeof ADMIN_URL_KEY | typeof RUN_ID_KEY): string | undefined {
  try {
    return inject(key);
  } catch {
    // Not inside a vitest worker.
    return undefined;
  }
}

function missing(name: string): never {
  throw new Error(
    `${name} is not set: run tests through vitest with packages/testing/src/global-setup.ts as globalSetup`,
  );
}
