import { readConfig, urlSetting } from "@cosafe/config";
import { migrateUnderLock } from "@cosafe/storage";
import { MikroORM } from "@mikro-orm/postgresql";
import { schemaName } from "./storage/entities.js";
import { ormConfig } from "./storage/orm-config.js";

// `pnpm migrate`: applies identity-core's pending migrations to DATABASE_URL and exits.
const { databaseUrl } = readConfig({ databaseUrl: urlSetting("DATABASE_URL", { protocols: ["postgres", "postgresql"] }) });
const orm = await MikroORM.init(ormConfig(databaseUrl, { poolMax: 2 }));
try {
  const applied = await migrateUnderLock(orm, databaseUrl, schemaName);
  console.log(`identity-core: ${applied.length === 0 ? "schema up to date" : `applied ${applied.join(", ")}`}`);
} finally {
  await orm.close();
}
