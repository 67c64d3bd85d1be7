import { boundQuery } from "@cosafe/storage";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";

/**
 * Runs SQL (`?` placeholders) with its values bound, not inlined: on the hot paths the ORM's
 * `execute` would escape every value into the text. In the caller's transaction when `em` is in
 * one, otherwise one autocommit statement on the pool. The ORM's logger sees the statement as it
 * sees its own (statement counts in tests, R25 and issue 10). Each text is a named prepared
 * statement per connection (`boundQuery`).
 */
export async function boundRows<T>(
  source: MikroORM | EntityManager,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const em = "em" in source ? source.em : source;
  em.config.getLogger().logQuery({ query: sql, level: "info" });
  const knex = em.getTransactionContext() ?? em.getKnex();
  return boundQuery<T>(knex, sql, params);
}
