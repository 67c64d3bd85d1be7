/**
 * MikroORM sends SQL with the values written in, so a statement can hold names, e-mail
 * addresses and token hashes. Spans keep its shape only: every string literal (also E'…'
 * and $tag$…$tag$ dollar-quoted) and every number outside identifiers becomes `?`.
 */
export function redactSql(sql: string): string {
  return sql
    .replace(/\$(\w*)\$[\s\S]*?\$\1\$/g, "?")
    .replace(/(?:\b[Ee])?'(?:[^']|'')*'/g, "?")
    .replace(/(?<![\w".$])-?\d+(?:\.\d+)?(?![\w"])/g, "?");
}
