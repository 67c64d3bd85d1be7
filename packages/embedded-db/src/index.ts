export { databaseUrl } from "./database-url.js";
export type { EmbeddedPostgres, EmbeddedPostgresOptions } from "./embedded-postgres.js";
export { ensureDatabase } from "./ensure-database.js";
export { stopLeftoverServer } from "./leftover-server.js";
export { startEmbeddedPostgres } from "./start-embedded-postgres.js";
