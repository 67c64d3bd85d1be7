import { DefaultLogger, type EntitySchema, type LogContext, type LoggerOptions } from "@mikro-orm/core";
import { Migrator } from "@mikro-orm/migrations";
import { defineConfig } from "@mikro-orm/postgresql";

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

export interface ServiceOrmOptions {
  databaseUrl: string;
  /** The service's own schema (docs/adr/0002). */
  schema: string;
  entities: EntitySchema[];
  /** Every migration of the service, in order. */
  migrationsList: { name: string; class: new (...args: never[]) => unknown }[];
  poolMax?: number;
  /**
   * Called with the text of every statement sent to PostgreSQL (tests count statements
   * with it, R25). Not set in production.
   */
  onQuery?: (sql: string) => void;
}

/**
 * MikroORM configuration of a Cosafe service: its own schema, explicit migrations applied
 * under an advisory lock (`migrateUnderLock`), never a schema sync at runtime.
 */
export function serviceOrmConfig(options: ServiceOrmOptions) {
  const { onQuery } = options;
  return defineConfig({
    clientUrl: options.databaseUrl,
    entities: options.entities,
    schema: options.schema,
    extensions: [Migrator],
    migrations: {
      migrationsList: options.migrationsList as never,
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
