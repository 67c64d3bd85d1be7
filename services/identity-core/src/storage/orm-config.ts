import { DefaultLogger, type LogContext, type LoggerOptions } from "@mikro-orm/core";
import { Migrator } from "@mikro-orm/migrations";
import { defineConfig } from "@mikro-orm/postgresql";
import { entities, schemaName } from "./entities.js";
import { migrationsList } from "./migrations/index.js";

/** Sees every SQL statement the ORM sends (including begin/commit), before the default logging. */
class QueryHookLogger extends DefaultLogger {
  constructor(
    options: LoggerOptions,
    private readonly onQuery: (sql: string) => void,
  ) {
    super(options);
  }

  override logQuery(context: { query: string } & LogContext): void {
    this.onQuery(context.query);
    super.logQuery(context);
  }
}

export interface OrmOptions {
  poolMax?: number;
  /**
   * Called with the text of every statement sent to PostgreSQL (tests count statements
   * with it, R25). Not set in production.
   */
  onQuery?: (sql: string) => void;
}

/** MikroORM configuration of identity-core: its own schema, explicit migrations, no runtime schema sync. */
export function ormConfig(databaseUrl: string, options: OrmOptions = {}) {
  const { onQuery } = options;
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
    discovery: { warnWhenNoEntities: false },
    debug: false,
    allowGlobalContext: false,
    ...(onQuery ? { loggerFactory: (logger: LoggerOptions) => new QueryHookLogger(logger, onQuery) } : {}),
  });
}
