import type { AttributeRef } from "../path/attribute-path.js";
import type { AttributeDefinition, ResourceTypeDefinition, SchemaDefinition } from "./definitions.js";

/** Where an attribute reference lands in a resource type. */
export interface ResolvedAttribute {
  /** The top-level attribute. */
  readonly definition: AttributeDefinition;
  /** The sub-attribute, when the reference names one. */
  readonly sub?: AttributeDefinition;
  /** The extension schema the attribute belongs to; absent for common and core attributes. */
  readonly extension?: SchemaDefinition;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Each definition list's names, lower-cased, built on first use. Every SCIM response looks up
 * each of its attributes here (projection), so a lookup is one map read, not a scan that lower-
 * cases every name. Keyed by the list itself: bounded by the schema, never by what a client sends.
 */
const indexes = new WeakMap<readonly AttributeDefinition[], Map<string, AttributeDefinition>>();

function indexOf(definitions: readonly AttributeDefinition[]): Map<string, AttributeDefinition> {
  let index = indexes.get(definitions);
  if (index === undefined) {
    index = new Map();
    for (const definition of definitions) {
      const key = definition.name.toLowerCase();
      if (!index.has(key)) index.set(key, definition);
    }
    indexes.set(definitions, index);
  }
  return index;
}

/** Finds a definition by name, case-insensitively (the first, if a list repeats a name). */
export function findDefinition(
  definitions: readonly AttributeDefinition[] | undefined,
  name: string,
): AttributeDefinition | undefined {
  return definitions === undefined ? undefined : indexOf(definitions).get(name.toLowerCase());
}

/** Finds an extension schema of `type` by URN, case-insensitively. */
export function findExtension(type: ResourceTypeDefinition, urn: string): SchemaDefinition | undefined {
  return type.extensions.find((extension) => same(extension.schema.id, urn))?.schema;
}

/**
 * Resolves an attribute reference against a resource type. Unqualified names refer to the common
 * attributes and the core schema (RFC 7644 §3.10); extension attributes need their URN prefix.
 * Returns `undefined` for anything the resource type does not define.
 */
export function resolveAttribute(
  type: ResourceTypeDefinition,
  ref: AttributeRef,
): ResolvedAttribute | undefined {
  let definition: AttributeDefinition | undefined;
  let extension: SchemaDefinition | undefined;
  if (ref.schema === undefined || same(ref.schema, type.schema.id)) {
    definition =
      findDefinition(type.common, ref.attribute) ?? findDefinition(type.schema.attributes, ref.attribute);
  } else {
    extension = findExtension(type, ref.schema);
    definition = findDefinition(extension?.attributes, ref.attribute);
  }
  if (definition === undefined) return undefined;
  const base = extension === undefined ? { definition } : { definition, extension };
  if (ref.subAttribute === undefined) return base;
  const sub = findDefinition(definition.subAttributes, ref.subAttribute);
  return sub === undefined ? undefined : { ...base, sub };
}

/** The canonical text of a resolved attribute, as reported in ignored-attribute lists and errors. */
export function canonicalName(resolved: ResolvedAttribute): string {
  const prefix = resolved.extension === undefined ? "" : `${resolved.extension.id}:`;
  const suffix = resolved.sub === undefined ? "" : `.${resolved.sub.name}`;
  return `${prefix}${resolved.definition.name}${suffix}`;
}
