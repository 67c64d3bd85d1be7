import type { MemberRef } from "./group-members.js";

/**
 * A group's JSON with its members written straight into bytes: no SCIM member object, `$ref`
 * string or response-sized string per request. A GET of a 10,000-member group built all three
 * (about 8 MB of garbage per request, a third of the facade's CPU in the collector;
 * docs/performance.md). Each member reads as `toScimGroup` maps it: value, display, type, $ref.
 *
 * `groupJson` is the rest of the group as JSON text (an object, without `members`).
 */
export function groupJsonWithMembers(
  groupJson: string,
  members: readonly MemberRef[],
  baseUrl: string,
): Buffer {
  if (!groupJson.endsWith("}")) throw new Error("the group's JSON is not an object");
  const ref = Buffer.from(`,"type":"User","$ref":${JSON.stringify(`${baseUrl}/Users/`).slice(0, -1)}`);
  const key = groupJson.length > 2 ? membersAfterKey : membersFirstKey;
  // The exact size, so the bytes are allocated once (a large buffer grown by doubling is
  // copied, and the allocator keeps the larger block). Each member after the first starts with
  // a comma; the two quotes of its value and of its display are written around their bodies.
  let size = Buffer.byteLength(groupJson);
  if (members.length > 0) size += key.length + listEnd.length + valueFirst.length - valueNext.length;
  for (const member of members) {
    size += valueNext.length + display.length + ref.length + memberEnd.length + 2 * 2;
    size += 2 * jsonStringBodyLength(member.userId) + jsonStringBodyLength(member.display);
  }
  const out = new ByteWriter(size);
  // The rest of the group, then `"members":[…]` before its closing brace.
  out.text(groupJson.slice(0, -1));
  if (members.length > 0) {
    out.bytes(key);
    for (let i = 0; i < members.length; i++) {
      const member = members[i] as MemberRef;
      out.bytes(i === 0 ? valueFirst : valueNext);
      out.jsonString(member.userId);
      out.bytes(display);
      out.jsonString(member.display);
      out.bytes(ref);
      out.jsonStringBody(member.userId);
      out.bytes(memberEnd);
    }
    out.bytes(listEnd);
  }
  out.bytes(objectEnd);
  return out.done(size);
}

const membersAfterKey = Buffer.from(',"members":[');
const membersFirstKey = Buffer.from('"members":[');
const valueFirst = Buffer.from('{"value":');
const valueNext = Buffer.from(',{"value":');
const display = Buffer.from(',"display":');
const memberEnd = Buffer.from('"}');
const listEnd = Buffer.from("]");
const objectEnd = Buffer.from("}");

/** Characters a JSON string carries as they are in ASCII: printable, neither `"` nor `\`. */
const plainAscii = (code: number) => code >= 0x20 && code < 0x7f && code !== 0x22 && code !== 0x5c;

/** The UTF-8 bytes of a string's JSON escaping, quotes left out. */
function jsonStringBodyLength(value: string): number {
  for (let i = 0; i < value.length; i++)
    if (!plainAscii(value.charCodeAt(i))) return Buffer.byteLength(JSON.stringify(value)) - 2;
  return value.length;
}

class ByteWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(Math.max(size, 64));
  }

  private room(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  bytes(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Text as UTF-8 (JSON text already). */
  text(value: string): void {
    this.room(Buffer.byteLength(value));
    this.pos += this.buf.write(value, this.pos, "utf8");
  }

  /** A string as a JSON string literal, quotes included. */
  jsonString(value: string): void {
    this.room(1);
    this.buf[this.pos++] = 0x22;
    this.jsonStringBody(value);
    this.room(1);
    this.buf[this.pos++] = 0x22;
  }

  /** A string's JSON escaping without the quotes. Plain ASCII is copied byte by byte. */
  jsonStringBody(value: string): void {
    const n = value.length;
    this.room(n);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      const code = value.charCodeAt(i);
      if (!plainAscii(code)) {
        // Anything else (escapes, non-ASCII, lone surrogates) is written as JSON.stringify writes it.
        this.pos = pos;
        this.text(JSON.stringify(value.slice(i)).slice(1, -1));
        return;
      }
      buf[pos++] = code;
    }
    this.pos = pos;
  }

  /** The bytes written; `expected` is what the caller computed they would be. */
  done(expected: number): Buffer {
    if (this.pos !== expected) throw new Error(`group JSON written as ${this.pos} bytes, not ${expected}`);
    return this.buf.subarray(0, this.pos);
  }
}
