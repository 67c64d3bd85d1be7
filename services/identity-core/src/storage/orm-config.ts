import { serviceOrmConfig } from "@cosafe/storage";
import { entities, schemaName } from "./entities.js";
import { migrationsList } from "./migrations/index.js";

export interface OrmOptions {
  poolMax?: number;
  /** Sees every statement sent to PostgreSQL (tests count statements with it, R25). */
  onQuery?: (sql: string) => void;
}

/** MikroORM configuration of identity-core: schema `identity`, its migrations. */
export function ormConfig(databaseUrl: string, options: OrmOptions = {}) {
  return serviceOrmConfig({ databaseUrl, schema: schemaName, entities, migrationsList, ...options });
}
