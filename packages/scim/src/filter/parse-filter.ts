import type { Filter } from "./ast.js";
import { syntaxError, tokenize } from "./lexer.js";
import { FilterParser } from "./parser.js";

/**
 * Parses a SCIM filter (RFC 7644 §3.4.2.2) into a {@link Filter} AST.
 * Attribute names, operators and keywords are case-insensitive; any amount of whitespace separates tokens.
 *
 * @throws ScimError 400 `invalidFilter`, whose detail names the 0-based position of the problem.
 */
export function parseFilter(source: string): Filter {
  const tokens = tokenize(source, "invalidFilter");
  if (tokens.length === 0) throw syntaxError("invalidFilter", "the filter is empty", 0);
  const parser = new FilterParser(tokens, source, "invalidFilter", 0, tokens.length);
  const filter = parser.parseExpression(false);
  const rest = tokens[parser.position];
  if (rest !== undefined) {
    const hint =
      rest.kind === ")" ? 'unbalanced ")"' : `unexpected "${rest.text}", expected "and", "or" or the end`;
    throw syntaxError("invalidFilter", hint, rest.start);
  }
  return filter;
}
