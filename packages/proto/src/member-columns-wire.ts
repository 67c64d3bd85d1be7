import { create, type DescMessage, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";
import {
  type GroupMemberColumns,
  GroupMemberColumnsSchema,
  type MembershipSource,
  type MembershipState,
} from "./gen/cosafe/identity/v1/group_pb.js";
import {
  GetGroupResponseSchema,
  ListGroupMembersResponseSchema,
} from "./gen/cosafe/identity/v1/group_service_pb.js";
import { varintSize, wire } from "./wire-format.js";

/**
 * The protobuf binary form of a message written and read by hand, for the messages where
 * protobuf-es's generic codec costs the most: a 10,000-member page of GroupMemberColumns is
 * 20,000 strings, and the generic writer allocates several typed arrays per string (about
 * 17 MB of garbage and most of identity-core's CPU per page; docs/performance.md). The bytes
 * are ordinary protobuf: any reader decodes them, and these read what any writer writes.
 */
export interface MessageCodec<Desc extends DescMessage = DescMessage> {
  schema: Desc;
  encode(message: MessageShape<Desc>): Uint8Array;
  decode(bytes: Uint8Array): MessageShape<Desc>;
}

/** Bytes of an int32 (enum) value: negative values take ten, as protobuf sign-extends them. */
function int32Size(value: number): number {
  return value < 0 ? 10 : varintSize(value);
}

class Writer {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  varint(value: number): void {
    const buf = this.buf;
    while (value > 0x7f) {
      buf[this.pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buf[this.pos++] = value;
  }

  int32(value: number): void {
    if (value >= 0) {
      this.varint(value);
      return;
    }
    let wide = BigInt.asUintN(64, BigInt(value));
    while (wide > 0x7fn) {
      this.buf[this.pos++] = Number(wide & 0x7fn) | 0x80;
      wide >>= 7n;
    }
    this.buf[this.pos++] = Number(wide);
  }

  /** A length-delimited string of `bytes` UTF-8 bytes (Buffer.byteLength of `value`). */
  string(field: number, value: string, bytes: number): void {
    this.varint((field << 3) | wire.delimited);
    this.varint(bytes);
    this.pos += this.buf.write(value, this.pos, bytes, "utf8");
  }
}

interface ColumnsLayout {
  /** UTF-8 lengths of user_ids, then of displays. */
  lengths: Uint32Array;
  sourcesBytes: number;
  statesBytes: number;
  /** Bytes of the message body (without its own tag and length). */
  size: number;
}

function packedSize(values: readonly number[]): number {
  let size = 0;
  for (const value of values) size += int32Size(value);
  return size;
}

function layoutOf(columns: GroupMemberColumns): ColumnsLayout {
  const ids = columns.userIds;
  const displays = columns.displays;
  const lengths = new Uint32Array(ids.length + displays.length);
  let size = 0;
  for (let i = 0; i < ids.length; i++) {
    const n = Buffer.byteLength(ids[i] as string, "utf8");
    lengths[i] = n;
    size += 1 + varintSize(n) + n;
  }
  for (let i = 0; i < displays.length; i++) {
    const n = Buffer.byteLength(displays[i] as string, "utf8");
    lengths[ids.length + i] = n;
    size += 1 + varintSize(n) + n;
  }
  const sourcesBytes = packedSize(columns.sources);
  const statesBytes = packedSize(columns.states);
  if (sourcesBytes > 0) size += 1 + varintSize(sourcesBytes) + sourcesBytes;
  if (statesBytes > 0) size += 1 + varintSize(statesBytes) + statesBytes;
  return { lengths, sourcesBytes, statesBytes, size };
}

function writeColumns(writer: Writer, columns: GroupMemberColumns, layout: ColumnsLayout): void {
  const { lengths } = layout;
  const ids = columns.userIds;
  for (let i = 0; i < ids.length; i++) writer.string(1, ids[i] as string, lengths[i] as number);
  const displays = columns.displays;
  for (let i = 0; i < displays.length; i++)
    writer.string(2, displays[i] as string, lengths[ids.length + i] as number);
  if (layout.sourcesBytes > 0) {
    writer.varint((3 << 3) | wire.delimited);
    writer.varint(layout.sourcesBytes);
    for (const value of columns.sources) writer.int32(value);
  }
  if (layout.statesBytes > 0) {
    writer.varint((4 << 3) | wire.delimited);
    writer.varint(layout.statesBytes);
    for (const value of columns.states) writer.int32(value);
  }
}

/** Reads the protobuf wire format out of one buffer; every read is bounds-checked. */
class Reader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
  ) {}

  /** A varint's low 32 bits as a signed int32 (protobuf's int32 and enum reading). */
  int32(): number {
    const buf = this.buf;
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      if (this.pos >= buf.length || shift >= 70) throw new Error("invalid varint in member columns");
      const byte = buf[this.pos++] as number;
      if (shift < 32) result |= (byte & 0x7f) << shift;
      if (byte < 0x80) return result | 0;
    }
  }

  /** A length or tag: an unsigned varint below 2^31. */
  uint(): number {
    const value = this.int32();
    if (value < 0) throw new Error("length out of range in member columns");
    return value;
  }

  /** The end of a length-delimited value that starts here, after its length. */
  delimitedEnd(limit: number): number {
    const length = this.uint();
    const end = this.pos + length;
    if (end > limit) throw new Error("length past the end of member columns");
    return end;
  }

  skip(wireType: number, limit: number): void {
    if (wireType === wire.varint) this.int32();
    else if (wireType === wire.bit64) this.pos += 8;
    else if (wireType === wire.delimited) this.pos = this.delimitedEnd(limit);
    else if (wireType === wire.bit32) this.pos += 4;
    else throw new Error(`wire type ${wireType} not supported in member columns`);
    if (this.pos > limit) throw new Error("field past the end of member columns");
  }
}

function readEnums(reader: Reader, wireType: number, limit: number, into: number[]): void {
  if (wireType === wire.varint) {
    into.push(reader.int32());
    return;
  }
  if (wireType !== wire.delimited) {
    reader.skip(wireType, limit);
    return;
  }
  const end = reader.delimitedEnd(limit);
  while (reader.pos < end) into.push(reader.int32());
  if (reader.pos !== end) throw new Error("packed field past its length in member columns");
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * UTF-8 as protobuf-es reads it (a fatal TextDecoder): invalid bytes are refused, a leading
 * BOM goes. Buffer.toString is the fast way; only a string that came out with U+FFFD in it
 * (a replaced invalid byte, or a real U+FFFD) is decoded again strictly.
 */
function utf8(buf: Buffer, start: number, end: number): string {
  const value = buf.toString("utf8", start, end);
  if (value.includes("\ufffd")) return strictUtf8.decode(buf.subarray(start, end));
  return value.charCodeAt(0) === 0xfeff ? value.slice(1) : value;
}

/** Appends the columns encoded in buf[start, end) to `into` (repeated fields of a message merge). */
function readColumns(buf: Buffer, start: number, end: number, into: GroupMemberColumns): void {
  const reader = new Reader(buf, start);
  while (reader.pos < end) {
    const tag = reader.uint();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 0) throw new Error("field number 0 in member columns");
    if ((field === 1 || field === 2) && wireType === wire.delimited) {
      const stringEnd = reader.delimitedEnd(end);
      (field === 1 ? into.userIds : into.displays).push(utf8(buf, reader.pos, stringEnd));
      reader.pos = stringEnd;
    } else if (field === 3) readEnums(reader, wireType, end, into.sources as number[]);
    else if (field === 4) readEnums(reader, wireType, end, into.states as number[]);
    else reader.skip(wireType, end);
  }
  if (reader.pos !== end) throw new Error("member columns past their length");
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The codec of a message whose field `localName` is a GroupMemberColumns: that field is
 * written and read by hand, every other field by protobuf-es. The hand-written field comes
 * last on the wire (protobuf readers accept fields in any order). Unknown fields inside the
 * columns are dropped.
 */
export function memberColumnsCodec<Desc extends DescMessage>(
  schema: Desc,
  localName: string,
): MessageCodec<Desc> {
  const field = schema.fields.find((f) => f.localName === localName);
  if (field?.fieldKind !== "message" || field.message.typeName !== GroupMemberColumnsSchema.typeName)
    throw new Error(`${schema.typeName} has no GroupMemberColumns field ${localName}`);
  const number = field.number;
  const tag = (number << 3) | wire.delimited;
  return {
    schema,
    encode(message) {
      const columns = (message as Record<string, unknown>)[localName] as GroupMemberColumns | undefined;
      if (columns === undefined) return toBinary(schema, message);
      const rest = toBinary(schema, { ...message, [localName]: undefined });
      const layout = layoutOf(columns);
      const out = Buffer.allocUnsafe(rest.length + varintSize(tag) + varintSize(layout.size) + layout.size);
      out.set(rest, 0);
      const writer = new Writer(out);
      writer.pos = rest.length;
      writer.varint(tag);
      writer.varint(layout.size);
      writeColumns(writer, columns, layout);
      if (writer.pos !== out.length) throw new Error("member columns written to a wrong length");
      return out;
    },
    decode(bytes) {
      const buf = asBuffer(bytes);
      const reader = new Reader(buf, 0);
      // Top-level fields: the columns' byte ranges, and the ranges of everything else.
      const columns: [number, number][] = [];
      const rest: Buffer[] = [];
      let restStart = 0;
      while (reader.pos < buf.length) {
        const fieldStart = reader.pos;
        const fieldTag = reader.uint();
        const wireType = fieldTag & 7;
        if (wireType === wire.startGroup || wireType === wire.endGroup) return fromBinary(schema, bytes);
        if (fieldTag >>> 3 === number && wireType === wire.delimited) {
          const end = reader.delimitedEnd(buf.length);
          columns.push([reader.pos, end]);
          if (fieldStart > restStart) rest.push(buf.subarray(restStart, fieldStart));
          reader.pos = end;
          restStart = end;
        } else reader.skip(wireType, buf.length);
      }
      if (columns.length === 0) return fromBinary(schema, bytes);
      if (buf.length > restStart) rest.push(buf.subarray(restStart));
      const message = fromBinary(schema, rest.length === 1 ? (rest[0] as Buffer) : Buffer.concat(rest));
      const into = create(GroupMemberColumnsSchema, {
        userIds: [],
        displays: [],
        sources: [] as MembershipSource[],
        states: [] as MembershipState[],
      });
      for (const [start, end] of columns) readColumns(buf, start, end, into);
      (message as Record<string, unknown>)[localName] = into;
      return message;
    },
  };
}

/** The codecs of the responses that carry member pages (GetGroup, ListGroupMembers). */
export const memberColumnsCodecs: readonly MessageCodec[] = [
  memberColumnsCodec(GetGroupResponseSchema, "members"),
  memberColumnsCodec(ListGroupMembersResponseSchema, "memberColumns"),
];
