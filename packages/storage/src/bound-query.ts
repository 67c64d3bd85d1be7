import type { Knex } from "@mikro-orm/postgresql";

/**
 * Most distinct statement texts a process prepares by name. The hot paths' texts are fixed
 * (values are bound), so a few dozen cover them; texts built from input, such as SCIM filters
 * of unusual shapes, could grow without bound, so past this cap they run unnamed and keep
 * PostgreSQL's per-connection plan cache small.
 */
export const maxPreparedStatements = 256;

const names = new Map<string, string>();

/** The prepared-statement name for this text, or undefined once the cap is reached. */
export function preparedStatementName(sql: string): string | undefined {
  let name = names.get(sql);
  if (name === undefined && names.size < maxPreparedStatements) {
    name = `cosafe_${names.size + 1}`;
    names.set(sql, name);
  }
  return name;
}

/**
 * Runs SQL (knex `?` placeholders) with its values bound, as a named prepared statement: each
 * pooled connection parses and plans a text once and then only binds and executes it. Unnamed,
 * PostgreSQL parses and plans every call again, which cost more of its CPU than executing our
 * short statements did (docs/performance.md). `knex` is the pool or a transaction.
 */
export async function boundQuery<T>(knex: Knex, sql: string, params: readonly unknown[]): Promise<T[]> {
  const query = knex.raw(sql, params as never[]);
  const name = preparedStatementName(sql);
  if (name !== undefined) query.options({ name });
  const result = (await query) as { rows: T[] };
  return result.rows;
}
