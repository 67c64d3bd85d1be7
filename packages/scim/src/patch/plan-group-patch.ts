import { ScimError } from "../errors/scim-error.js";
import type { Filter } from "../filter/ast.js";
import { findKey, isJsonObject } from "../internal/json.js";
import { printAttributeRef } from "../path/attribute-path.js";
import { IgnoredAttributes, isUnassigned } from "../schema/coerce-value.js";
import type { ResourceTypeDefinition } from "../schema/definitions.js";
import { canonicalName, resolveAttribute } from "../schema/resolve-attribute.js";
import { GROUP_RESOURCE_TYPE } from "../schema/resource-types.js";
import {
  expandTargets,
  type PatchOpName,
  type PatchTarget,
  parsePatchOperations,
} from "./patch-operation.js";

/**
 * The membership change of a Group PATCH as explicit id sets, computed without the current members.
 *
 * - Relative (`replace` absent): new members = (current − `remove`) ∪ `add`; `add` and `remove` are
 *   disjoint. Removing an id that is not a member and adding one that already is are no-ops.
 * - Absolute (`replace` present): new members = `replace`, whatever they were; `add` and `remove`
 *   are empty. `removeAll` is true exactly when `replace` is empty (the request cleared the group).
 *
 * Ids keep the order they were first named in, without duplicates.
 */
export interface MemberChanges {
  add: string[];
  remove: string[];
  replace?: string[] | undefined;
  removeAll: boolean;
}

export interface GroupPatchPlan {
  members: MemberChanges;
  /** Non-member attribute changes: a string sets, `null` clears (R14 decides what clearing means). */
  attributes: { displayName?: string | null; externalId?: string | null };
  /** Top-level attributes the request changes: any of `members`, `displayName`, `externalId`. */
  touched: string[];
  /** Attribute paths written that Cosafe does not store. */
  ignoredAttributes: string[];
}

export interface PlanOptions {
  /** The group's id; a path-less value that repeats it (Okta) is accepted, another id is a `mutability` error. */
  groupId?: string;
  /** Defaults to the Cosafe Group resource type. */
  type?: ResourceTypeDefinition;
}

/** Accumulates member operations in request order (RFC 7644 §3.5.2: operations apply sequentially). */
class MemberPlanner {
  private absolute: Set<string> | undefined;
  private readonly added = new Set<string>();
  private readonly removed = new Set<string>();
  touched = false;

  add(ids: readonly string[]): void {
    this.touched = true;
    for (const id of ids) {
      if (this.absolute !== undefined) this.absolute.add(id);
      else {
        this.removed.delete(id);
        this.added.add(id);
      }
    }
  }

  remove(ids: readonly string[]): void {
    this.touched = true;
    for (const id of ids) {
      if (this.absolute !== undefined) this.absolute.delete(id);
      else {
        this.added.delete(id);
        this.removed.add(id);
      }
    }
  }

  replace(ids: readonly string[]): void {
    this.touched = true;
    this.absolute = new Set(ids);
    this.added.clear();
    this.removed.clear();
  }

  result(): MemberChanges {
    if (this.absolute === undefined)
      return { add: [...this.added], remove: [...this.removed], removeAll: false };
    return { add: [], remove: [], replace: [...this.absolute], removeAll: this.absolute.size === 0 };
  }
}

/**
 * Plans a Group PATCH (R25) without loading the group: `members` operations become explicit id sets,
 * `displayName`/`externalId` changes are returned as values. Accepts everything {@link applyPatch}
 * accepts for groups, with one restriction: a member value filter must select by id
 * (`members[value eq "id"]`, optionally joined with `or`), because other filters need the members.
 *
 * Applying the plan to any member set gives the same members as `applyPatch` on a group holding that set.
 *
 * @throws ScimError 400 `invalidSyntax`, `invalidPath`, `invalidValue`, `invalidFilter`, `noTarget`, `mutability`.
 */
export function planGroupPatch(request: unknown, options: PlanOptions = {}): GroupPatchPlan {
  const type = options.type ?? GROUP_RESOURCE_TYPE;
  const operations = parsePatchOperations(request);
  const members = new MemberPlanner();
  const attributes: GroupPatchPlan["attributes"] = {};
  const touched = new Set<string>();
  const ignored = new IgnoredAttributes();
  for (const operation of operations) {
    for (const target of expandTargets(operation, () => undefined)) {
      if (target.path === undefined) {
        ignored.add(target.text);
        continue;
      }
      const resolved = resolveAttribute(type, target.path);
      if (resolved === undefined) {
        ignored.add(target.fromValueKey ? target.text : printAttributeRef(target.path));
        continue;
      }
      const { definition } = resolved;
      const name = canonicalName(resolved);
      if (definition.mutability === "readOnly" || resolved.sub?.mutability === "readOnly") {
        const echo =
          target.fromValueKey &&
          (definition.name !== "id" || options.groupId === undefined || target.value === options.groupId);
        if (echo) continue;
        throw new ScimError(400, "mutability", `Attribute '${name}' is readOnly`);
      }
      if (!definition.stored || resolved.sub?.stored === false) {
        ignored.add(name);
        continue;
      }
      if (definition.name === "members") {
        planMembers(members, operation.op, target, resolved.sub !== undefined);
        continue;
      }
      if (target.path.filter !== undefined || resolved.sub !== undefined || definition.type !== "string") {
        throw new ScimError(400, "invalidPath", `Path '${target.text}' does not name a simple attribute`);
      }
      const value = operation.op === "remove" || isUnassigned(target.value) ? null : target.value;
      if (value !== null && typeof value !== "string") {
        throw new ScimError(400, "invalidValue", `Attribute '${name}' must be a string`);
      }
      attributes[definition.name as "displayName" | "externalId"] = value;
      touched.add(definition.name);
    }
  }
  if (members.touched) touched.add("members");
  return { members: members.result(), attributes, touched: [...touched], ignoredAttributes: ignored.list() };
}

function planMembers(planner: MemberPlanner, op: PatchOpName, target: PatchTarget, hasSub: boolean): void {
  const { path, value } = target;
  if (hasSub || (path.filter !== undefined && op !== "remove")) {
    throw new ScimError(
      400,
      "mutability",
      `Members are immutable: '${target.text}' cannot be written; remove and add members instead`,
    );
  }
  if (path.filter !== undefined) {
    planner.remove(idsOfFilter(path.filter, target.text));
    return;
  }
  if (op === "remove") {
    if (value === undefined) planner.replace([]);
    // Entra: {"op":"Remove","path":"members","value":[{"value":"id"}]} removes only the listed members.
    else planner.remove(memberIds(value, "remove"));
    return;
  }
  if (op === "replace") planner.replace(isUnassigned(value) ? [] : memberIds(value, op));
  else if (!isUnassigned(value)) planner.add(memberIds(value, op));
}

/** The ids of a member list: `[{"value": "id", …}, …]` (or one such object). */
function memberIds(value: unknown, op: string): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.flatMap((item) => {
    if (item === null) return [];
    const key = isJsonObject(item) ? findKey(item, "value") : undefined;
    const id = key === undefined ? undefined : (item as Record<string, unknown>)[key];
    if (typeof id !== "string" || id === "") {
      throw new ScimError(400, "invalidValue", `Each member to ${op} needs a "value" with the member's id`);
    }
    return [id];
  });
}

/** The ids a member filter selects, when it is `value eq "id"` joined by `or`. */
function idsOfFilter(filter: Filter, text: string): string[] {
  if (filter.kind === "or") return [...idsOfFilter(filter.left, text), ...idsOfFilter(filter.right, text)];
  if (
    filter.kind === "compare" &&
    filter.op === "eq" &&
    typeof filter.value === "string" &&
    filter.path.attribute.toLowerCase() === "value" &&
    filter.path.subAttribute === undefined &&
    filter.path.schema === undefined
  ) {
    return [filter.value];
  }
  throw new ScimError(
    400,
    "invalidFilter",
    `Members can only be selected by id ('members[value eq "…"]'), not by '${text}'`,
  );
}
