import {
  type DescField,
  type DescMessage,
  fromBinary,
  type MessageShape,
  ScalarType,
} from "@bufbuild/protobuf";
import { isPlannable } from "./plannable-message.js";
import { IMPLICIT_PRESENCE, TWO_32, wire } from "./wire-format.js";

/**
 * protobuf-es's `fromBinary` with the same result, read with a plan compiled once per message
 * type instead of through its reflection API (ADR 0025). The plan reads what a protobuf writer
 * normally writes — each field once (repeated ones as often as they have items, packed or not),
 * in any order — into the plain objects protobuf-es creates.
 *
 * Anything else is read by protobuf-es instead, from the start, so the answer never differs:
 * message types `isPlannable` refuses, unknown fields, a wire type the field does not expect, a
 * singular message field that comes twice (protobuf-es merges the two), map entries with other
 * fields, strings that are not plain UTF-8 (invalid, or with U+FFFD or a BOM, which its decoder
 * treats its own way), nesting deeper than its recursion limit, and input that is cut short.
 */
export function fromBinaryFast<Desc extends DescMessage>(
  schema: Desc,
  bytes: Uint8Array,
): MessageShape<Desc> {
  const plan = planOf(schema);
  if (plan === undefined) return fromBinary(schema, bytes);
  try {
    const reader = new Reader(bytes);
    const message = plan.read(reader, bytes.byteLength, 1);
    if (reader.pos !== bytes.byteLength) throw fallback;
    return message as MessageShape<Desc>;
  } catch (error) {
    if (error === fallback) return fromBinary(schema, bytes);
    throw error;
  }
}

/** Whether `fromBinaryFast` reads this message type from a plan. */
export function isReadPlanned(schema: DescMessage): boolean {
  return planOf(schema) !== undefined;
}

/** Thrown inside a plan for input it does not handle; the call then goes to protobuf-es. */
const fallback = new Error("not planned");

/** protobuf-es's default recursion limit. */
const maxDepth = 100;

// biome-ignore lint/suspicious/noExplicitAny: a plan writes message properties by name.
type Message = any;

/**
 * Buffer's own slice decoders (`Buffer.prototype.utf8Slice`, `latin1Slice`): what
 * `toString(encoding, start, end)` calls after checking its arguments, which the reader
 * has already bounded.
 */
type SliceBuffer = Buffer & {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
};

class Reader {
  pos = 0;
  readonly buf: Buffer;
  constructor(readonly raw: Uint8Array) {
    this.buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  }

  /** A varint's low 32 bits, unsigned, as protobuf-es's `uint32()` reads them (at most 10 bytes). */
  varint32(): number {
    const buf = this.buf;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = buf[this.pos++];
      if (b === undefined) throw fallback;
      value |= (b & 0x7f) << shift;
      if (b < 0x80) return value >>> 0;
    }
    // Bytes 6 to 10 only sign-extend.
    for (let i = 5; i < 10; i++) {
      const b = buf[this.pos++];
      if (b === undefined) throw fallback;
      if (b < 0x80) return value >>> 0;
    }
    throw fallback;
  }

  /** A varint's unsigned halves. */
  varint64(): [number, number] {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      const b = buf[this.pos++];
      if (b === undefined) throw fallback;
      const bits = b & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (7 * i - 32);
      if (b < 0x80) return [lo >>> 0, hi >>> 0];
    }
    throw fallback;
  }

  /** End of a length-delimited value that starts here; beyond `end` is input cut short. */
  delimited(end: number): number {
    const length = this.varint32();
    const stop = this.pos + length;
    if (stop > end) throw fallback;
    return stop;
  }

  string(end: number): string {
    const stop = this.delimited(end);
    const start = this.pos;
    this.pos = stop;
    if (stop - start < 64) {
      // Short ASCII strings without a native call.
      const buf = this.buf;
      let ascii = true;
      for (let i = start; i < stop; i++)
        if ((buf[i] as number) >= 0x80) {
          ascii = false;
          break;
        }
      if (ascii) return (buf as SliceBuffer).latin1Slice(start, stop);
    }
    const text = (this.buf as SliceBuffer).utf8Slice(start, stop);
    // U+FFFD is what invalid input decodes to, and a BOM is dropped by protobuf-es's decoder.
    if (text.includes("\uFFFD") || text.charCodeAt(0) === 0xfeff) throw fallback;
    return text;
  }

  fixed32(): number {
    if (this.pos + 4 > this.buf.length) throw fallback;
    const value = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return value;
  }

  fixed64(): [number, number] {
    const lo = this.fixed32();
    return [lo, this.fixed32()];
  }
}

/** A 64-bit value from its unsigned halves, as protobuf-es's bigint. */
function int64(lo: number, hi: number, signed: boolean): bigint {
  if (hi <= 0x1fffff) return BigInt(hi * TWO_32 + lo);
  const u = (BigInt(hi) << 32n) | BigInt(lo);
  return signed ? BigInt.asIntN(64, u) : u;
}

function zigzag64(lo: number, hi: number): bigint {
  const u = (BigInt(hi) << 32n) | BigInt(lo);
  return (u >> 1n) ^ -(u & 1n);
}

interface ScalarReader {
  wireType: number;
  /** Reads one value; `end` bounds a length-delimited one. */
  read(reader: Reader, end: number): unknown;
  /** Whether a list of them may come packed. */
  packable: boolean;
}

const numeric = (wireType: number, read: (reader: Reader) => unknown): ScalarReader => ({
  wireType,
  read,
  packable: true,
});

const scalarReaders: Record<ScalarType, ScalarReader> = {
  [ScalarType.STRING]: { wireType: wire.delimited, packable: false, read: (r, end) => r.string(end) },
  [ScalarType.BYTES]: {
    wireType: wire.delimited,
    packable: false,
    read(r, end) {
      const stop = r.delimited(end);
      const start = r.pos;
      r.pos = stop;
      return r.raw.subarray(start, stop);
    },
  },
  [ScalarType.BOOL]: numeric(wire.varint, (r) => {
    const [lo, hi] = r.varint64();
    return lo !== 0 || hi !== 0;
  }),
  [ScalarType.INT32]: numeric(wire.varint, (r) => r.varint32() | 0),
  [ScalarType.UINT32]: numeric(wire.varint, (r) => r.varint32()),
  [ScalarType.SINT32]: numeric(wire.varint, (r) => {
    const n = r.varint32();
    return (n >>> 1) ^ -(n & 1);
  }),
  [ScalarType.FIXED32]: numeric(wire.bit32, (r) => r.fixed32()),
  [ScalarType.SFIXED32]: numeric(wire.bit32, (r) => r.fixed32() | 0),
  [ScalarType.FLOAT]: numeric(wire.bit32, (r) => {
    if (r.pos + 4 > r.buf.length) throw fallback;
    const value = r.buf.readFloatLE(r.pos);
    r.pos += 4;
    return value;
  }),
  [ScalarType.DOUBLE]: numeric(wire.bit64, (r) => {
    if (r.pos + 8 > r.buf.length) throw fallback;
    const value = r.buf.readDoubleLE(r.pos);
    r.pos += 8;
    return value;
  }),
  [ScalarType.INT64]: numeric(wire.varint, (r) => int64(...r.varint64(), true)),
  [ScalarType.UINT64]: numeric(wire.varint, (r) => int64(...r.varint64(), false)),
  [ScalarType.SINT64]: numeric(wire.varint, (r) => zigzag64(...r.varint64())),
  [ScalarType.FIXED64]: numeric(wire.bit64, (r) => int64(...r.fixed64(), false)),
  [ScalarType.SFIXED64]: numeric(wire.bit64, (r) => int64(...r.fixed64(), true)),
};

interface Plan {
  /** A message read from here to `end`. */
  read(reader: Reader, end: number, depth: number): Message;
  /** The message protobuf-es's `create(schema)` makes. */
  zero(): Message;
}

/** Reads one occurrence of a field (its tag already read) into the message. */
type FieldReader = (reader: Reader, message: Message, wireType: number, end: number, depth: number) => void;

const plans = new WeakMap<DescMessage, Plan | null>();

function planOf(desc: DescMessage): Plan | undefined {
  const known = plans.get(desc);
  if (known !== undefined) return known ?? undefined;
  if (!isPlannable(desc)) {
    plans.set(desc, null);
    return undefined;
  }
  return compile(desc);
}

function compile(desc: DescMessage): Plan {
  const typeName = desc.typeName;
  // What createZeroMessage sets, in its order: oneofs and implicit-presence fields.
  // Immutable zero values are shared; lists, maps, bytes and oneofs are made per message.
  const names: string[] = [];
  const values: unknown[] = [];
  const makers: (() => unknown)[] = [];
  for (const member of desc.members) {
    if (member.kind !== "oneof" && member.presence !== IMPLICIT_PRESENCE) continue;
    const make = member.kind === "oneof" ? () => ({ case: undefined }) : zeroOf(member);
    const mutable =
      member.kind === "oneof" ||
      member.fieldKind === "list" ||
      member.fieldKind === "map" ||
      member.scalar === ScalarType.BYTES;
    names.push(member.localName);
    values.push(mutable ? undefined : make());
    makers.push(mutable ? make : (undefined as never));
  }
  const count = names.length;
  const byNumber: (FieldReader | undefined)[] = [];
  const plan: Plan = {
    zero() {
      const message: Message = { $typeName: typeName };
      for (let i = 0; i < count; i++) {
        const make = makers[i];
        message[names[i] as string] = make === undefined ? values[i] : make();
      }
      return message;
    },
    read(reader, end, depth) {
      if (depth > maxDepth) throw fallback;
      const message = plan.zero();
      while (reader.pos < end) {
        const tag = reader.varint32();
        const field = byNumber[tag >>> 3];
        if (field === undefined) throw fallback;
        field(reader, message, tag & 7, end, depth);
      }
      if (reader.pos !== end) throw fallback;
      return message;
    },
  };
  plans.set(desc, plan);
  for (const field of desc.fields) byNumber[field.number] = fieldReader(field);
  return plan;
}

function zeroOf(field: DescField): () => unknown {
  switch (field.fieldKind) {
    case "list":
      return () => [];
    case "map":
      return () => ({});
    case "enum":
      return enumZero(field.enum);
    case "scalar":
      return scalarZero(field.scalar);
    case "message":
      return () => undefined;
  }
}

function enumZero(desc: { values: readonly { number: number }[] }): () => number {
  const zero = desc.values[0]?.number ?? 0;
  return () => zero;
}

function scalarZero(type: ScalarType): () => unknown {
  switch (type) {
    case ScalarType.STRING:
      return () => "";
    case ScalarType.BOOL:
      return () => false;
    case ScalarType.BYTES:
      return () => new Uint8Array(0);
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return () => 0n;
    default:
      return () => 0;
  }
}

/** Stores a field's value, in its oneof when it has one. */
function setter(field: DescField): (message: Message, value: unknown) => void {
  const name = field.localName;
  if (field.oneof) {
    const group = field.oneof.localName;
    return (message, value) => {
      message[group] = { case: name, value };
    };
  }
  return (message, value) => {
    message[name] = value;
  };
}

/** Whether the field already holds a message (a second one would be merged: protobuf-es's job). */
function holder(field: DescField): (message: Message) => boolean {
  const name = field.localName;
  if (field.oneof) {
    const group = field.oneof.localName;
    return (message) => message[group].case === name;
  }
  return (message) => message[name] !== undefined;
}

function childMessage(plan: () => Plan, reader: Reader, end: number, depth: number): Message {
  const stop = reader.delimited(end);
  return plan().read(reader, stop, depth + 1);
}

function lazyPlan(desc: DescMessage): () => Plan {
  let plan: Plan | undefined;
  return () => {
    plan ??= planOf(desc) as Plan;
    return plan;
  };
}

function fieldReader(field: DescField): FieldReader {
  const set = setter(field);
  switch (field.fieldKind) {
    case "scalar":
    case "enum": {
      const scalar =
        field.fieldKind === "enum" ? scalarReaders[ScalarType.INT32] : scalarReaders[field.scalar];
      return (reader, message, wireType, end) => {
        if (wireType !== scalar.wireType) throw fallback;
        set(message, scalar.read(reader, end));
      };
    }
    case "message": {
      const plan = lazyPlan(field.message);
      const has = holder(field);
      return (reader, message, wireType, end, depth) => {
        if (wireType !== wire.delimited || has(message)) throw fallback;
        set(message, childMessage(plan, reader, end, depth));
      };
    }
    case "list": {
      const name = field.localName;
      if (field.listKind === "message") {
        const plan = lazyPlan(field.message);
        return (reader, message, wireType, end, depth) => {
          if (wireType !== wire.delimited) throw fallback;
          message[name].push(childMessage(plan, reader, end, depth));
        };
      }
      const scalar =
        field.listKind === "enum" ? scalarReaders[ScalarType.INT32] : scalarReaders[field.scalar];
      return (reader, message, wireType, end) => {
        const list = message[name] as unknown[];
        if (wireType === scalar.wireType) {
          list.push(scalar.read(reader, end));
          return;
        }
        if (wireType !== wire.delimited || !scalar.packable) throw fallback;
        const stop = reader.delimited(end);
        while (reader.pos < stop) list.push(scalar.read(reader, stop));
        if (reader.pos !== stop) throw fallback;
      };
    }
    case "map": {
      const name = field.localName;
      const keyReader = scalarReaders[ScalarType.STRING];
      const valuePlan = field.mapKind === "message" ? lazyPlan(field.message) : undefined;
      const valueReader =
        field.mapKind === "enum"
          ? scalarReaders[ScalarType.INT32]
          : field.mapKind === "scalar"
            ? scalarReaders[field.scalar]
            : undefined;
      const valueZero =
        field.mapKind === "enum"
          ? enumZero(field.enum)
          : field.mapKind === "scalar"
            ? scalarZero(field.scalar)
            : undefined;
      return (reader, message, wireType, end, depth) => {
        if (wireType !== wire.delimited) throw fallback;
        const stop = reader.delimited(end);
        let key: unknown;
        let value: unknown;
        while (reader.pos < stop) {
          const tag = reader.varint32();
          const number = tag >>> 3;
          if (number === 1 && (tag & 7) === wire.delimited) key = keyReader.read(reader, stop);
          else if (number === 2 && valuePlan && (tag & 7) === wire.delimited)
            value = childMessage(valuePlan, reader, stop, depth);
          else if (number === 2 && valueReader && (tag & 7) === valueReader.wireType)
            value = valueReader.read(reader, stop);
          else throw fallback;
        }
        if (reader.pos !== stop) throw fallback;
        if (value === undefined) value = valuePlan ? valuePlan().zero() : (valueZero as () => unknown)();
        message[name][(key ?? "") as string] = value;
      };
    }
  }
}
