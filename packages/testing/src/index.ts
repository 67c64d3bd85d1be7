export { freePort } from "./free-port.js";
export { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";
export { testAdminUrl, testRunId } from "./test-context.js";
export { createTestDatabase, type TestDatabase, type TestDatabaseTemplate } from "./test-database.js";
