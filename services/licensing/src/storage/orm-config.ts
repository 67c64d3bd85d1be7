import { serviceOrmConfig } from "@cosafe/storage";
import { entities, schemaName } from "./entities.js";
import { migrationsList } from "./migrations/index.js";

/** MikroORM configuration of licensing: schema `licensing`, its migrations. */
export function ormConfig(databaseUrl: string, options: { poolMax?: number } = {}) {
  return serviceOrmConfig({ databaseUrl, schema: schemaName, entities, migrationsList, ...options });
}
