/** A piece of SQL with `?` placeholders and the values bound to them, in order. */
export interface SqlFragment {
  sql: string;
  params: unknown[];
}

export const sql = (text: string, ...params: unknown[]): SqlFragment => ({ sql: text, params });

/** Joins fragments with a separator, keeping parameters in order. */
export function joinSql(parts: SqlFragment[], separator: string): SqlFragment {
  return { sql: parts.map((p) => `(${p.sql})`).join(separator), params: parts.flatMap((p) => p.params) };
}
