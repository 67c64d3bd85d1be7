export { boundQuery, maxPreparedStatements, preparedStatementName } from "./bound-query.js";
export { type DatabaseProbe, type DatabaseProbeOptions, startDatabaseProbe } from "./database-probe.js";
export { isDatabaseUnavailable } from "./database-unavailable.js";
export { isUuid } from "./is-uuid.js";
export { migrateUnderLock } from "./migrate-under-lock.js";
export { poolStats } from "./pool-stats.js";
export { type ServiceOrmOptions, serviceOrmConfig } from "./service-orm-config.js";
export { violatedConstraint } from "./unique-violation.js";
