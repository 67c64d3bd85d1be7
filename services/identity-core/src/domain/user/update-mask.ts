import { invalidArgument } from "../domain-error.js";
import { mappedFields, type UserFieldPath, userFieldPaths } from "./user-fields.js";

export const nameParts = ["formatted", "given_name", "family_name"] as const;
export type NamePart = (typeof nameParts)[number];

export interface ResolvedMask {
  fields: Set<UserFieldPath>;
  /** Parts of `name` to change when `fields` has "name": all of them for "name", one for "name.given_name". */
  nameParts: Set<NamePart>;
  /** "*": a full replace of the synchronised attributes (SCIM PUT, R4b). */
  replace: boolean;
}

/** Reads an update mask: "*" or field paths; "name.given_name" changes that part of the name only. */
export function resolveUserMask(paths: readonly string[]): ResolvedMask {
  if (paths.length === 0)
    throw invalidArgument("UPDATE_MASK_REQUIRED", "update_mask names no field to change");
  if (paths.includes("*"))
    return { fields: new Set(mappedFields), nameParts: new Set(nameParts), replace: true };
  const fields = new Set<UserFieldPath>();
  const parts = new Set<NamePart>();
  for (const path of paths) {
    const [top, sub] = path.split(".", 2) as [UserFieldPath, string | undefined];
    const part = sub as NamePart | undefined;
    const known =
      userFieldPaths.includes(top) && (top !== "name" || part === undefined || nameParts.includes(part));
    if (!known) {
      throw invalidArgument("UPDATE_MASK_INVALID", `update_mask names an unknown field "${path}"`, {
        field: path,
      });
    }
    fields.add(top);
    if (top === "name") for (const p of part ? [part] : nameParts) parts.add(p);
  }
  return { fields, nameParts: parts, replace: false };
}
