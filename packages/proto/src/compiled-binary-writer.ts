import {
  type DescField,
  type DescMessage,
  type MessageShape,
  ScalarType,
  toBinary,
} from "@bufbuild/protobuf";
import { isPlannable } from "./plannable-message.js";
import { IMPLICIT_PRESENCE, TWO_32, varintSize, wire } from "./wire-format.js";

/**
 * protobuf-es's `toBinary` with the same bytes, written from a plan compiled once per message
 * type instead of through its reflection API. protobuf-es walks every field through a
 * reflection wrapper and builds each nested message in its own chunk list before joining
 * them; for one SCIM user (225 bytes) that took about 20 µs and most of the garbage of
 * identity-core's answer to a filter (docs/performance.md). The plan sizes the message first
 * (nested lengths and UTF-8 lengths kept in one array, in the order the write pass needs
 * them), allocates the exact buffer once and writes it.
 *
 * Anything the plan was not made for goes to protobuf-es unchanged, so the result is always
 * what `toBinary` gives: message types `isPlannable` refuses are never planned; values of an unexpected JavaScript
 * type (64-bit integers as strings or numbers, an out-of-range int32), unknown fields, or a
 * nested message of another type make that call fall back. The test compares both writers on
 * random messages of every type in the schema.
 */
export function toBinaryFast<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
): Uint8Array {
  const plan = planOf(schema);
  if (plan === undefined || message.$typeName !== schema.typeName) return toBinary(schema, message);
  try {
    const lengths: number[] = [];
    const size = plan.size(message, lengths);
    const writer = new Writer(Buffer.allocUnsafe(size), lengths);
    plan.write(message, writer);
    if (writer.pos !== size) throw new Error(`${schema.typeName}: wrote ${writer.pos} of ${size} bytes`);
    return writer.buf;
  } catch (error) {
    if (error === fallback) return toBinary(schema, message);
    throw error;
  }
}

/** Whether `toBinaryFast` writes this message type from a plan (otherwise it always uses protobuf-es). */
export function isPlanned(schema: DescMessage): boolean {
  return planOf(schema) !== undefined;
}

/** Thrown inside a plan for a value it does not handle; the call then goes to protobuf-es. */
const fallback = new Error("not planned");

const UINT32_MAX = 0xffffffff;
const FLOAT32_MAX = 3.4028234663852886e38;

// biome-ignore lint/suspicious/noExplicitAny: a plan reads message properties by name.
type Message = any;

interface Plan {
  /** Bytes of the message's fields; pushes the lengths its write pass reads back, in order. */
  size(message: Message, lengths: number[]): number;
  write(message: Message, writer: Writer): void;
}

class Writer {
  pos = 0;
  /** Next entry of the size pass's lengths. */
  next = 0;
  constructor(
    readonly buf: Buffer,
    readonly lengths: number[],
  ) {}

  byte(value: number): void {
    this.buf[this.pos++] = value;
  }

  /** An unsigned 32-bit varint. */
  varint(value: number): void {
    const buf = this.buf;
    while (value > 0x7f) {
      buf[this.pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buf[this.pos++] = value;
  }

  /** A 64-bit varint from its unsigned halves. */
  varint64(lo: number, hi: number): void {
    const buf = this.buf;
    while (hi > 0 || lo > 0x7f) {
      buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[this.pos++] = lo;
  }

  int32(value: number): void {
    if (value >= 0) this.varint(value);
    else this.varint64(value >>> 0, UINT32_MAX);
  }

  tag(bytes: readonly number[]): void {
    for (const b of bytes) this.buf[this.pos++] = b;
  }

  /** A string of `length` UTF-8 bytes (from the size pass), without its length prefix. */
  utf8(value: string, length: number): void {
    if (length === value.length && length < 64) {
      const buf = this.buf;
      for (let i = 0; i < length; i++) buf[this.pos++] = value.charCodeAt(i);
      return;
    }
    this.pos += this.buf.write(value, this.pos, length, "utf8");
  }

  /** The next length the size pass recorded. */
  length(): number {
    return this.lengths[this.next++] as number;
  }
}

function varint64Size(lo: number, hi: number): number {
  if (hi === 0) return varintSize(lo);
  return Math.ceil((64 - Math.clz32(hi)) / 7);
}

/** UTF-8 bytes of a string as Buffer and TextEncoder write it (a lone surrogate is U+FFFD, 3 bytes). */
function utf8Length(value: string): number {
  const n = value.length;
  if (n >= 64) return Buffer.byteLength(value, "utf8");
  let bytes = n;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
      continue;
    }
    // Three bytes for the rest of the BMP and for a lone surrogate (U+FFFD); a surrogate pair
    // is two units and four bytes.
    bytes += 2;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = value.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return bytes;
}

const INT64_MIN = -0x8000000000000000n;
const INT64_MAX = 0x7fffffffffffffffn;
const UINT64_MAX = 0xffffffffffffffffn;

/**
 * The unsigned halves of a 64-bit value (two's complement, zigzag for sint64). Values that are
 * not bigints, or outside the type's range, fall back to protobuf-es (which converts or refuses).
 */
function halves(value: unknown, signed: boolean, zigzag: boolean): [number, number] {
  if (typeof value !== "bigint") throw fallback;
  if (!zigzag && value >= 0n && value <= 0x1fffffffffffffn) {
    const n = Number(value);
    return [n >>> 0, Math.floor(n / TWO_32)];
  }
  if (signed ? value < INT64_MIN || value > INT64_MAX : value < 0n || value > UINT64_MAX) throw fallback;
  const u = zigzag ? BigInt.asUintN(64, (value << 1n) ^ (value >> 63n)) : BigInt.asUintN(64, value);
  return [Number(u & 0xffffffffn), Number(u >> 32n)];
}

/** How one scalar type is sized and written, with its wire type; `zero` is implicit presence. */
interface ScalarCodec {
  wireType: number;
  zero(value: unknown): boolean;
  /** Bytes of the value; strings and bytes push their length. */
  size(value: unknown, lengths: number[]): number;
  write(value: unknown, writer: Writer): void;
}

/** An integer within int32 (`| 0` keeps exactly those), else protobuf-es decides. */
function int32Checked(v: unknown): number {
  if (typeof v !== "number" || (v | 0) !== v) throw fallback;
  return v;
}

/** An integer within uint32 (`>>> 0` keeps exactly those), else protobuf-es decides. */
function uint32Checked(v: unknown): number {
  if (typeof v !== "number" || v >>> 0 !== v) throw fallback;
  return v;
}

function numberChecked(v: unknown): number {
  if (typeof v !== "number") throw fallback;
  return v;
}

/** protobuf-es's implicit-presence test for integers: 0, -0, 0n and "0" are all zero. */
// biome-ignore lint/suspicious/noDoubleEquals: the loose comparison is protobuf-es's own rule.
const looseZero = (v: unknown) => v == 0;

function int64Codec(encoding: "varint" | "zigzag" | "fixed", signed: boolean): ScalarCodec {
  const zigzag = encoding === "zigzag";
  const fixed = encoding === "fixed";
  return {
    wireType: fixed ? wire.bit64 : wire.varint,
    zero: looseZero,
    size(v) {
      const [lo, hi] = halves(v, signed, zigzag);
      return fixed ? 8 : varint64Size(lo, hi);
    },
    write(v, w) {
      const [lo, hi] = halves(v, signed, zigzag);
      if (fixed) {
        w.buf.writeUInt32LE(lo, w.pos);
        w.buf.writeUInt32LE(hi, w.pos + 4);
        w.pos += 8;
      } else w.varint64(lo, hi);
    },
  };
}

const scalarCodecs: Record<ScalarType, ScalarCodec> = {
  [ScalarType.STRING]: {
    wireType: wire.delimited,
    zero: (v) => v === "",
    size(v, lengths) {
      if (typeof v !== "string") throw fallback;
      const n = utf8Length(v);
      lengths.push(n);
      return varintSize(n) + n;
    },
    write(v, w) {
      const n = w.length();
      w.varint(n);
      w.utf8(v as string, n);
    },
  },
  [ScalarType.BYTES]: {
    wireType: wire.delimited,
    zero: (v) => v instanceof Uint8Array && v.byteLength === 0,
    size(v) {
      if (!(v instanceof Uint8Array)) throw fallback;
      return varintSize(v.byteLength) + v.byteLength;
    },
    write(v, w) {
      const bytes = v as Uint8Array;
      w.varint(bytes.byteLength);
      w.buf.set(bytes, w.pos);
      w.pos += bytes.byteLength;
    },
  },
  [ScalarType.BOOL]: {
    wireType: wire.varint,
    zero: (v) => v === false,
    size(v) {
      if (typeof v !== "boolean") throw fallback;
      return 1;
    },
    write(v, w) {
      w.byte(v ? 1 : 0);
    },
  },
  [ScalarType.INT32]: {
    wireType: wire.varint,
    zero: looseZero,
    size: (v) => {
      const n = int32Checked(v);
      return n < 0 ? 10 : varintSize(n);
    },
    write: (v, w) => w.int32(v as number),
  },
  [ScalarType.UINT32]: {
    wireType: wire.varint,
    zero: looseZero,
    size: (v) => varintSize(uint32Checked(v)),
    write: (v, w) => w.varint(v as number),
  },
  [ScalarType.SINT32]: {
    wireType: wire.varint,
    zero: looseZero,
    size: (v) => {
      const n = int32Checked(v);
      return varintSize(((n << 1) ^ (n >> 31)) >>> 0);
    },
    write: (v, w) => {
      const n = v as number;
      w.varint(((n << 1) ^ (n >> 31)) >>> 0);
    },
  },
  [ScalarType.FIXED32]: {
    wireType: wire.bit32,
    zero: looseZero,
    size: (v) => {
      uint32Checked(v);
      return 4;
    },
    write: (v, w) => {
      w.pos = w.buf.writeUInt32LE(v as number, w.pos);
    },
  },
  [ScalarType.SFIXED32]: {
    wireType: wire.bit32,
    zero: looseZero,
    size: (v) => {
      int32Checked(v);
      return 4;
    },
    write: (v, w) => {
      w.pos = w.buf.writeInt32LE(v as number, w.pos);
    },
  },
  [ScalarType.DOUBLE]: {
    wireType: wire.bit64,
    zero: (v) => Object.is(v, 0),
    size: (v) => {
      numberChecked(v);
      return 8;
    },
    write: (v, w) => {
      w.pos = w.buf.writeDoubleLE(v as number, w.pos);
    },
  },
  [ScalarType.FLOAT]: {
    wireType: wire.bit32,
    zero: (v) => Object.is(v, 0),
    size: (v) => {
      const n = numberChecked(v);
      if (Number.isFinite(n) && (n > FLOAT32_MAX || n < -FLOAT32_MAX)) throw fallback;
      return 4;
    },
    write: (v, w) => {
      w.pos = w.buf.writeFloatLE(v as number, w.pos);
    },
  },
  [ScalarType.INT64]: int64Codec("varint", true),
  [ScalarType.UINT64]: int64Codec("varint", false),
  [ScalarType.SINT64]: int64Codec("zigzag", true),
  [ScalarType.FIXED64]: int64Codec("fixed", false),
  [ScalarType.SFIXED64]: int64Codec("fixed", true),
};

/** Tag bytes of a field number and wire type. */
function tagBytes(number: number, wireType: number): number[] {
  const bytes: number[] = [];
  let value = ((number << 3) | wireType) >>> 0;
  while (value > 0x7f) {
    bytes.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  bytes.push(value);
  return bytes;
}

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
  const fields: FieldPlan[] = [];
  const plan: Plan = {
    size(message, lengths) {
      if (message.$unknown !== undefined && message.$unknown.length > 0) throw fallback;
      let size = 0;
      for (const field of fields) size += field.size(message, lengths);
      return size;
    },
    write(message, writer) {
      for (const field of fields) field.write(message, writer);
    },
  };
  plans.set(desc, plan);
  const sorted = desc.fields.concat().sort((a, b) => a.number - b.number);
  for (const field of sorted) fields.push(fieldPlan(field));
  return plan;
}

interface FieldPlan {
  size(message: Message, lengths: number[]): number;
  write(message: Message, writer: Writer): void;
}

/** The field's value, or undefined when it is not set (explicit presence and oneofs). */
function reader(field: DescField): (message: Message) => unknown {
  const name = field.localName;
  if (field.oneof) {
    const group = field.oneof.localName;
    return (message) => {
      const selected = message[group];
      return selected.case === name ? selected.value : undefined;
    };
  }
  return (message) => message[name];
}

function messagePlanOf(desc: DescMessage): Plan {
  return planOf(desc) as Plan;
}

function fieldPlan(field: DescField): FieldPlan {
  const read = reader(field);
  const explicit = field.presence !== IMPLICIT_PRESENCE || field.oneof !== undefined;
  switch (field.fieldKind) {
    case "scalar":
    case "enum": {
      const codec =
        field.fieldKind === "enum"
          ? enumCodec(field.enum.values[0]?.number ?? 0)
          : scalarCodecs[field.scalar];
      const tag = tagBytes(field.number, codec.wireType);
      return {
        size(message, lengths) {
          const value = read(message);
          if (explicit ? value === undefined : codec.zero(value)) return 0;
          return tag.length + codec.size(value, lengths);
        },
        write(message, writer) {
          const value = read(message);
          if (explicit ? value === undefined : codec.zero(value)) return;
          writer.tag(tag);
          codec.write(value, writer);
        },
      };
    }
    case "message": {
      const child = field.message;
      const tag = tagBytes(field.number, wire.delimited);
      return {
        size(message, lengths) {
          const value = read(message) as Message;
          if (value === undefined) return 0;
          return tag.length + nestedSize(child, value, lengths);
        },
        write(message, writer) {
          const value = read(message) as Message;
          if (value === undefined) return;
          writer.tag(tag);
          nestedWrite(child, value, writer);
        },
      };
    }
    case "list":
      return listPlan(field, read);
    case "map":
      return mapPlan(field, read);
  }
}

function enumCodec(zeroNumber: number): ScalarCodec {
  const int32 = scalarCodecs[ScalarType.INT32];
  return { ...int32, zero: (v) => v === zeroNumber };
}

/** Length prefix and body of a nested message; the length is recorded before its children's. */
function nestedSize(desc: DescMessage, value: Message, lengths: number[]): number {
  if (value === null || typeof value !== "object" || value.$typeName !== desc.typeName) throw fallback;
  const slot = lengths.length;
  lengths.push(0);
  const size = messagePlanOf(desc).size(value, lengths);
  lengths[slot] = size;
  return varintSize(size) + size;
}

function nestedWrite(desc: DescMessage, value: Message, writer: Writer): void {
  writer.varint(writer.length());
  messagePlanOf(desc).write(value, writer);
}

function listPlan(field: DescField & { fieldKind: "list" }, read: (message: Message) => unknown): FieldPlan {
  if (field.listKind === "message") {
    const child = field.message;
    const tag = tagBytes(field.number, wire.delimited);
    return {
      size(message, lengths) {
        const list = read(message) as Message[];
        let size = 0;
        for (const item of list) size += tag.length + nestedSize(child, item, lengths);
        return size;
      },
      write(message, writer) {
        for (const item of read(message) as Message[]) {
          writer.tag(tag);
          nestedWrite(child, item, writer);
        }
      },
    };
  }
  const codec = field.listKind === "enum" ? scalarCodecs[ScalarType.INT32] : scalarCodecs[field.scalar];
  if (field.packed) {
    const tag = tagBytes(field.number, wire.delimited);
    return {
      size(message, lengths) {
        const list = read(message) as unknown[];
        if (list.length === 0) return 0;
        let body = 0;
        for (const item of list) body += codec.size(item, lengths);
        lengths.push(body);
        return tag.length + varintSize(body) + body;
      },
      write(message, writer) {
        const list = read(message) as unknown[];
        if (list.length === 0) return;
        writer.tag(tag);
        // The body's length was recorded after its items' (strings are never packed, so
        // numeric items record nothing): it is the next entry.
        writer.varint(writer.length());
        for (const item of list) codec.write(item, writer);
      },
    };
  }
  const tag = tagBytes(field.number, codec.wireType);
  return {
    size(message, lengths) {
      let size = 0;
      for (const item of read(message) as unknown[]) size += tag.length + codec.size(item, lengths);
      return size;
    },
    write(message, writer) {
      for (const item of read(message) as unknown[]) {
        writer.tag(tag);
        codec.write(item, writer);
      }
    },
  };
}

function mapPlan(field: DescField & { fieldKind: "map" }, read: (message: Message) => unknown): FieldPlan {
  const tag = tagBytes(field.number, wire.delimited);
  const keyCodec = scalarCodecs[ScalarType.STRING];
  const keyTag = tagBytes(1, wire.delimited);
  const valueDesc = field.mapKind === "message" ? field.message : undefined;
  const valueCodec =
    field.mapKind === "enum"
      ? scalarCodecs[ScalarType.INT32]
      : field.mapKind === "scalar"
        ? scalarCodecs[field.scalar]
        : undefined;
  const valueTag = tagBytes(2, valueCodec ? valueCodec.wireType : wire.delimited);
  return {
    size(message, lengths) {
      const map = read(message) as Record<string, unknown>;
      let size = 0;
      for (const key of Object.keys(map)) {
        const slot = lengths.length;
        lengths.push(0);
        let entry = keyTag.length + keyCodec.size(key, lengths) + valueTag.length;
        const value = map[key];
        entry += valueDesc
          ? nestedSize(valueDesc, value, lengths)
          : (valueCodec as ScalarCodec).size(value, lengths);
        lengths[slot] = entry;
        size += tag.length + varintSize(entry) + entry;
      }
      return size;
    },
    write(message, writer) {
      const map = read(message) as Record<string, unknown>;
      for (const key of Object.keys(map)) {
        writer.tag(tag);
        writer.varint(writer.length());
        writer.tag(keyTag);
        keyCodec.write(key, writer);
        writer.tag(valueTag);
        const value = map[key];
        if (valueDesc) nestedWrite(valueDesc, value, writer);
        else (valueCodec as ScalarCodec).write(value, writer);
      }
    },
  };
}
