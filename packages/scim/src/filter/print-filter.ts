import { printAttributeRef } from "../path/attribute-path.js";
import type { Filter, FilterValue } from "./ast.js";

const PRECEDENCE = { or: 1, and: 2 } as const;

function precedence(filter: Filter): number {
  return filter.kind === "or" || filter.kind === "and" ? PRECEDENCE[filter.kind] : 3;
}

/** Prints a literal as JSON: strings quoted and escaped, numbers, `true`, `false`, `null`. */
export function printFilterValue(value: FilterValue): string {
  return JSON.stringify(value);
}

/**
 * Prints a {@link Filter} in canonical form: lower-case operators, single spaces, quoted strings and only
 * the parentheses the precedence needs. `parseFilter(printFilter(f))` equals `f`.
 */
export function printFilter(filter: Filter): string {
  switch (filter.kind) {
    case "compare":
      return `${printAttributeRef(filter.path)} ${filter.op} ${printFilterValue(filter.value)}`;
    case "present":
      return `${printAttributeRef(filter.path)} pr`;
    case "not":
      return `not (${printFilter(filter.filter)})`;
    case "valuePath":
      return `${printAttributeRef(filter.path)}[${printFilter(filter.filter)}]`;
    default: {
      const own = PRECEDENCE[filter.kind];
      const left = printFilter(filter.left);
      const right = printFilter(filter.right);
      const l = precedence(filter.left) < own ? `(${left})` : left;
      const r = precedence(filter.right) <= own ? `(${right})` : right;
      return `${l} ${filter.kind} ${r}`;
    }
  }
}
