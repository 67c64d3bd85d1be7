/**
 * What the protobuf binary format fixes, shared by our hand-written codecs (ADR 0024, ADR 0025):
 * the wire types, the descriptor value for implicit presence, and varint sizes.
 */
export const wire = { varint: 0, bit64: 1, delimited: 2, startGroup: 3, endGroup: 4, bit32: 5 } as const;

/** `FieldPresence.IMPLICIT`: a proto3 field without `optional`, set when not its zero value. */
export const IMPLICIT_PRESENCE = 2;

export const TWO_32 = 4294967296;

/** Bytes of `value` as an unsigned varint (0 ≤ value < 2^32). */
export function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}
