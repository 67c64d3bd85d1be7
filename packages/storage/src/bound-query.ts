import type { Knex } from "@mikro-orm/postgresql";

/**
 * Most distinct statement texts a process prepares by name. The hot paths' texts are fixed
 * (values are bound), so a few dozen cover them; texts built from input, such as SCIM filters
 * of unusual shapes, could grow without bound, so past this cap they run unnamed and keep
 * PostgreSQL's per-connection plan cache small.
 */
export const maxPreparedStatements = 256;

interface Statement {
  /** The text with `$1…$n` placeholders, as PostgreSQL takes it. */
  text: string;
  /** Its prepared-statement name; undefined past the cap. */
  name: string | undefined;
}

const statements = new Map<string, Statement>();

/** knex's `?` placeholders as PostgreSQL's `$n`; `\?` stays a literal question mark. */
function positional(sql: string): string {
  let n = 0;
  return sql.replace(/\\\?|\?\??/g, (match) => {
    if (match === "\\?") return "?";
    if (match === "??") throw new Error("bound statements take values only, not ?? identifiers");
    n++;
    return `$${n}`;
  });
}

function statementOf(sql: string): Statement {
  const known = statements.get(sql);
  if (known) return known;
  const statement = { text: positional(sql), name: undefined as string | undefined };
  if (statements.size < maxPreparedStatements) {
    statement.name = `cosafe_${statements.size + 1}`;
    statements.set(sql, statement);
  }
  return statement;
}

/** The prepared-statement name for this text, or undefined once the cap is reached. */
export function preparedStatementName(sql: string): string | undefined {
  return statementOf(sql).name;
}

/** The pg connection and the pool (or transaction) it comes from, as knex's client hands them out. */
interface PgConnection {
  query(config: { text: string; name?: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}
interface ConnectionSource {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<unknown>;
}

/**
 * Runs SQL (knex `?` placeholders) with its values bound, as a named prepared statement: each
 * pooled connection parses and plans a text once and then only binds and executes it. Unnamed,
 * PostgreSQL parses and plans every call again, which cost more of its CPU than executing our
 * short statements did (docs/performance.md). `knex` is the pool or a transaction; the
 * statement goes straight to its pg connection (a transaction's client hands out the
 * transaction's own), without knex's query compiler. An undefined value is refused as knex
 * refuses it.
 */
export async function boundQuery<T>(knex: Knex, sql: string, params: readonly unknown[]): Promise<T[]> {
  if (params.includes(undefined)) throw new Error("undefined value bound to a statement");
  const { text, name } = statementOf(sql);
  const source = (knex as unknown as { client: ConnectionSource }).client;
  const connection = await source.acquireConnection();
  const values = params as unknown[];
  const run = () =>
    connection.query(
      name === undefined ? { text, values } : { text, name: nameOn(connection, name), values },
    );
  try {
    try {
      return (await run()).rows as T[];
    } catch (error) {
      if (name === undefined || !isStalePlan(error)) throw error;
      // A migration changed a table under a prepared `select *`/`returning *`: this connection
      // prepares its statements afresh under new names. Outside a transaction the statement is
      // simply run again; inside one the transaction has failed and its caller's retry succeeds.
      generations.set(connection, (generations.get(connection) ?? 0) + 1);
      if ((knex as { isTransaction?: boolean }).isTransaction) throw error;
      return (await run()).rows as T[];
    }
  } finally {
    await source.releaseConnection(connection);
  }
}

/** Per connection: how many times its prepared statements went stale (a column added, …). */
const generations = new WeakMap<PgConnection, number>();

function nameOn(connection: PgConnection, name: string): string {
  const generation = generations.get(connection);
  return generation === undefined ? name : `${name}_${generation}`;
}

/** PostgreSQL's refusal to run a prepared statement whose result columns a migration changed. */
function isStalePlan(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === "0A000" &&
    typeof message === "string" &&
    message.includes("cached plan must not change result type")
  );
}
