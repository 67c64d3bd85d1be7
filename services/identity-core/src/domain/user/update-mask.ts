import { invalidArgument } from "../domain-error.js";
import { mappedFields, type UserFieldPath, userFieldPaths } from "./user-fields.js";

export interface ResolvedMask {
  fields: Set<UserFieldPath>;
  /** "*": a full replace of the synchronised attributes (SCIM PUT, R4b). */
  replace: boolean;
}

/** Reads an update mask: "*" or field paths ("name.given_name" counts as "name"). */
export function resolveUserMask(paths: readonly string[]): ResolvedMask {
  if (paths.length === 0)
    throw invalidArgument("UPDATE_MASK_REQUIRED", "update_mask names no field to change");
  if (paths.includes("*")) return { fields: new Set(mappedFields), replace: true };
  const fields = new Set<UserFieldPath>();
  for (const path of paths) {
    const top = path.split(".")[0] as UserFieldPath;
    if (!userFieldPaths.includes(top)) {
      throw invalidArgument("UPDATE_MASK_INVALID", `update_mask names an unknown field "${path}"`, {
        field: path,
      });
    }
    fields.add(top);
  }
  return { fields, replace: false };
}
