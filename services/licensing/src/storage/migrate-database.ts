import { migrateUnderLock } from "@cosafe/storage";
import { MikroORM } from "@mikro-orm/postgresql";
import { schemaName } from "./entities.js";
import { ormConfig } from "./orm-config.js";

/** Applies licensing's pending migrations to a database and returns their names. */
export async function migrateDatabase(databaseUrl: string): Promise<string[]> {
  const orm = await MikroORM.init(ormConfig(databaseUrl, { poolMax: 2 }));
  try {
    return await migrateUnderLock(orm, databaseUrl, schemaName);
  } finally {
    await orm.close();
  }
}
