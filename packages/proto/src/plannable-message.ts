import { type DescMessage, ScalarType } from "@bufbuild/protobuf";

const EDITION_PROTO3 = 999;

/** Well-known types that protobuf-es keeps as ordinary messages in fields (no unboxing). */
const plainWellKnownTypes = new Set([
  "google.protobuf.Timestamp",
  "google.protobuf.Duration",
  "google.protobuf.FieldMask",
  "google.protobuf.Empty",
]);

const known = new WeakMap<DescMessage, boolean>();

/**
 * Whether the compiled binary writer and reader (ADR 0025) handle this message type and every
 * type reachable from it: proto3 files only (plain objects, no prototype chain for presence),
 * no group encoding, no 64-bit integers as strings, string-keyed maps, and no well-known types
 * that protobuf-es unboxes (wrappers, Struct, Value, Any). Anything else stays with protobuf-es.
 */
export function isPlannable(desc: DescMessage): boolean {
  const cached = known.get(desc);
  if (cached !== undefined) return cached;
  const result = check(desc, new Set());
  known.set(desc, result);
  return result;
}

function check(desc: DescMessage, seen: Set<DescMessage>): boolean {
  if (seen.has(desc)) return true;
  seen.add(desc);
  if (desc.file.edition !== EDITION_PROTO3) return false;
  for (const field of desc.fields) {
    if ("delimitedEncoding" in field && field.delimitedEncoding) return false;
    if ("longAsString" in field && field.longAsString) return false;
    if (field.fieldKind === "map" && field.mapKey !== ScalarType.STRING) return false;
    const child =
      field.fieldKind === "map" ? (field.mapKind === "message" ? field.message : undefined) : field.message;
    if (child === undefined) continue;
    if (child.typeName.startsWith("google.protobuf.") && !plainWellKnownTypes.has(child.typeName))
      return false;
    if (!check(child, seen)) return false;
  }
  return true;
}
