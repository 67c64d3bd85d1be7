/** Names under which the global setup publishes the run context (env vars and vitest provide). */
export const ADMIN_URL_ENV = "COSAFE_TEST_ADMIN_URL";
export const RUN_ID_ENV = "COSAFE_TEST_RUN_ID";
export const ADMIN_URL_KEY = "cosafeTestAdminUrl";
export const RUN_ID_KEY = "cosafeTestRunId";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin connection URL of the PostgreSQL server used by this test run. */
    cosafeTestAdminUrl: string;
    /** Id of this test run; prefix of every database it creates. */
    cosafeTestRunId: string;
  }
}
