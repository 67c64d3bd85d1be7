import { Migrator } from "@mikro-orm/migrations";
import { defineConfig } from "@mikro-orm/postgresql";
import { entities, schemaName } from "./entities.js";
import { migrationsList } from "./migrations/index.js";

/** MikroORM configuration of licensing: its own schema, explicit migrations, no runtime schema sync. */
export function ormConfig(databaseUrl: string, options: { poolMax?: number } = {}) {
  return defineConfig({
    clientUrl: databaseUrl,
    entities,
    schema: schemaName,
    extensions: [Migrator],
    migrations: {
      migrationsList,
      snapshot: false,
      tableName: "mikro_orm_migrations",
      transactional: true,
      silent: true,
    },
    pool: { min: 0, max: options.poolMax ?? 10 },
    forceUtcTimezone: true,
    allowGlobalContext: false,
  });
}
