import { readConfig, urlSetting } from "@cosafe/config";
import { migrateDatabase } from "./storage/migrate-database.js";

// `pnpm migrate`: applies licensing's pending migrations to DATABASE_URL and exits.
const { databaseUrl } = readConfig({
  databaseUrl: urlSetting("DATABASE_URL", { protocols: ["postgres", "postgresql"] }),
});
const applied = await migrateDatabase(databaseUrl);
console.log(`licensing: ${applied.length === 0 ? "schema up to date" : `applied ${applied.join(", ")}`}`);
