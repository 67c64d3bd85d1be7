import type { Filter } from "../filter/ast.js";
import type { JsonObject } from "../internal/json.js";
import type { AttributeDefinition } from "../schema/definitions.js";
import { findDefinition } from "../schema/resolve-attribute.js";

/**
 * The value a filter of only `eq` comparisons joined by `and` describes, e.g. `type eq "work"` gives
 * `{ type: "work" }`. Used to create the entry Entra means when it replaces `emails[type eq "work"].value`
 * on a user without a work email. Any other filter gives `undefined`.
 */
export function valueTemplate(filter: Filter, definition: AttributeDefinition): JsonObject | undefined {
  if (filter.kind === "compare") {
    const sub = findDefinition(definition.subAttributes, filter.path.attribute);
    if (
      filter.op !== "eq" ||
      filter.value === null ||
      filter.path.subAttribute !== undefined ||
      sub === undefined
    ) {
      return undefined;
    }
    return { [sub.name]: filter.value };
  }
  if (filter.kind !== "and") return undefined;
  const left = valueTemplate(filter.left, definition);
  const right = valueTemplate(filter.right, definition);
  if (left === undefined || right === undefined) return undefined;
  for (const [key, value] of Object.entries(right)) {
    if (key in left && left[key] !== value) return undefined;
  }
  return { ...left, ...right };
}
