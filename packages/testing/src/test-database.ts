import { databaseUrl } from "@cosafe/embedded-db";
import { withAdminClient } from "./admin-client.js";
import { cloneDatabase } from "./clone-database.js";
import { templateDatabaseName, testDatabaseName } from "./database-names.js";
import { dropDatabase } from "./drop-database.js";
import { ensureTemplateDatabase } from "./template-database.js";
import { testAdminUrl, testRunId } from "./test-context.js";

/** A database of its own for one test file. */
export type TestDatabase = {
  /** Connection URL (same credentials as the admin URL). */
  url: string;
  name: string;
  /** DROP DATABASE … WITH (FORCE); idempotent. The global teardown drops leftovers anyway. */
  drop(): Promise<void>;
};

export type TestDatabaseTemplate = {
  /** What the template contains, e.g. "identity-core". */
  key: string;
  /** Changes whenever the template's content would change (e.g. a hash of the migrations). */
  fingerprint: string;
  /** Builds the template on an empty database (e.g. runs migrations); must close its connections. */
  prepare: (url: string) => Promise<void>;
};

/**
 * Creates a fresh database for the calling test file (call once, in beforeAll), as a copy of the
 * template for (run, key, fingerprint). The template is built once per test run by whichever
 * worker asks first; concurrent callers wait for it.
 */
export async function createTestDatabase(options: { template: TestDatabaseTemplate }): Promise<TestDatabase> {
  const adminUrl = testAdminUrl();
  const runId = testRunId();
  const { key, fingerprint, prepare } = options.template;
  const template = templateDatabaseName(runId, key, fingerprint);
  const name = testDatabaseName(runId);

  await withAdminClient(adminUrl, async (client) => {
    await ensureTemplateDatabase(client, adminUrl, template, prepare);
    await cloneDatabase(client, template, name);
  });

  return {
    url: databaseUrl(adminUrl, name),
    name,
    drop: () => withAdminClient(adminUrl, (client) => dropDatabase(client, name)),
  };
}
