import type { Filter } from "../filter/ast.js";
import { syntaxError, tokenize } from "../filter/lexer.js";
import { FilterParser } from "../filter/parser.js";
import { printFilter } from "../filter/print-filter.js";
import {
  type AttributeRef,
  isAttributeName,
  printAttributeRef,
  splitAttributeRef,
} from "./attribute-path.js";

/**
 * A PATCH `path` (RFC 7644 §3.5.2): `attr`, `attr.sub`, `attr[filter]`, `attr[filter].sub`, each with
 * an optional schema URN prefix. `filter` selects values of a multi-valued attribute; `subAttribute`
 * then names a sub-attribute of each selected value.
 */
export interface AttributePath extends AttributeRef {
  filter?: Filter;
}

/**
 * Parses an attribute path. With `allowFilter: false` (for `attributes`, `excludedAttributes`, `sortBy`)
 * a `[filter]` part is rejected.
 *
 * @throws ScimError 400 `invalidPath` with the 0-based position of the problem.
 */
export function parsePath(source: string, options: { allowFilter?: boolean } = {}): AttributePath {
  const tokens = tokenize(source, "invalidPath");
  const first = tokens[0];
  if (first === undefined) throw syntaxError("invalidPath", "the path is empty", 0);
  if (first.kind !== "word") throw syntaxError("invalidPath", `expected an attribute name`, first.start);
  const ref = splitAttributeRef(first.text);
  if (typeof ref === "string") throw syntaxError("invalidPath", ref, first.start);
  const path: AttributePath = { ...ref };
  let index = 1;
  const open = tokens[index];
  if (open?.kind === "[") {
    if (options.allowFilter === false)
      throw syntaxError("invalidPath", "a value filter is not allowed here", open.start);
    if (ref.subAttribute !== undefined) {
      throw syntaxError("invalidPath", "a value filter must follow a complex attribute", open.start);
    }
    const parser = new FilterParser(tokens, source, "invalidPath", index + 1, tokens.length);
    path.filter = parser.parseExpression(true);
    index = parser.position;
    const close = tokens[index];
    if (close?.kind !== "]") {
      throw syntaxError(
        "invalidPath",
        `expected "]" to match the "[" opened at ${open.start}`,
        close?.start ?? source.length,
      );
    }
    index += 1;
    const sub = tokens[index];
    if (sub?.kind === "word" && sub.text.startsWith(".") && sub.start === close.end) {
      const name = sub.text.slice(1);
      if (!isAttributeName(name))
        throw syntaxError("invalidPath", `"${name}" is not a valid sub-attribute name`, sub.start);
      path.subAttribute = name;
      index += 1;
    }
  }
  const rest = tokens[index];
  if (rest !== undefined) throw syntaxError("invalidPath", `unexpected "${rest.text}"`, rest.start);
  return path;
}

/** Prints a path in canonical form; `parsePath(printPath(p))` equals `p`. */
export function printPath(path: AttributePath): string {
  if (path.filter === undefined) return printAttributeRef(path);
  const prefix = path.schema === undefined ? "" : `${path.schema}:`;
  const suffix = path.subAttribute === undefined ? "" : `.${path.subAttribute}`;
  return `${prefix}${path.attribute}[${printFilter(path.filter)}]${suffix}`;
}
