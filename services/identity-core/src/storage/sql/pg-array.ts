/**
 * A PostgreSQL array literal for a bound parameter (`?::uuid[]`, `?::text[]`): the query
 * builder under MikroORM expands JS arrays into comma lists, which `any(...)` cannot take.
 * Every element is quoted and escaped, so any string is safe.
 */
export function pgArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(",")}}`;
}
