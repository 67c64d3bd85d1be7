import { create, type DescField, type DescMessage, ScalarType, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { isPlanned, toBinaryFast } from "../src/compiled-binary-writer.js";
import * as health from "../src/health.js";
import * as identity from "../src/identity.js";
import * as licensing from "../src/licensing.js";

/** Every message type of our schema, nested ones included (and the WKTs they use). */
function allMessages(): DescMessage[] {
  const found = new Set<DescMessage>();
  const visit = (desc: DescMessage) => {
    if (found.has(desc)) return;
    found.add(desc);
    for (const nested of desc.nestedMessages) visit(nested);
    for (const field of desc.fields) if (field.message) visit(field.message);
  };
  for (const module of [identity, licensing, health])
    for (const value of Object.values(module))
      if (value && typeof value === "object" && (value as { kind?: string }).kind === "message")
        visit(value as DescMessage);
  return [...found].sort((a, b) => a.typeName.localeCompare(b.typeName));
}

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function rng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  return { next, pick };
}

const strings = [
  "",
  "a",
  "user@example.com",
  "é",
  "日本語",
  "👩‍💻 x",
  "\uD800",
  "x\uDFFFy",
  "a".repeat(63),
  "b".repeat(64),
  "ü".repeat(200),
];
const int32s = [0, 1, -1, 127, 128, 16383, 16384, 0x7fffffff, -0x80000000, 300, -300];
const uint32s = [0, 1, 127, 128, 0xffffffff, 0x80000000, 268435455, 268435456];
const int64s = [
  0n,
  1n,
  -1n,
  127n,
  128n,
  2n ** 32n,
  2n ** 35n - 1n,
  2n ** 49n,
  -(2n ** 40n),
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 63n - 1n,
  -(2n ** 63n),
  1733500000n,
];
const uint64s = [0n, 1n, 2n ** 53n, 2n ** 64n - 1n, 2n ** 63n];
const doubles = [0, -0, 1.5, -2.25, Number.NaN, Number.POSITIVE_INFINITY, 1e300, 5e-324];
const floats = [0, -0, 1.5, -2.25, Number.NaN, Number.NEGATIVE_INFINITY, 3.4e38];

function scalarValue(type: ScalarType, r: ReturnType<typeof rng>): unknown {
  switch (type) {
    case ScalarType.STRING:
      return r.pick(strings);
    case ScalarType.BOOL:
      return r.next() < 0.5;
    case ScalarType.BYTES:
      return new Uint8Array(Math.floor(r.next() * 5)).map(() => Math.floor(r.next() * 256));
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return r.pick(int32s);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return r.pick(uint32s);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return r.pick(int64s);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return r.pick(uint64s);
    case ScalarType.DOUBLE:
      return r.pick(doubles);
    case ScalarType.FLOAT:
      return r.pick(floats);
  }
}

function enumValue(field: DescField & { enum: NonNullable<DescField["enum"]> }, r: ReturnType<typeof rng>) {
  // Open enums carry numbers the schema does not name, negative ones too.
  return r.next() < 0.8 ? r.pick(field.enum.values).number : r.pick([99, -5]);
}

// biome-ignore lint/suspicious/noExplicitAny: built field by field from the descriptor.
function randomInit(desc: DescMessage, r: ReturnType<typeof rng>, depth: number): any {
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  const init: any = {};
  for (const field of desc.fields) {
    if (r.next() < 0.3) continue;
    let value: unknown;
    switch (field.fieldKind) {
      case "scalar":
        value = scalarValue(field.scalar, r);
        break;
      case "enum":
        value = enumValue(field, r);
        break;
      case "message":
        if (depth >= 3 || field.message.typeName === "google.protobuf.Struct") continue;
        value = randomInit(field.message, r, depth + 1);
        break;
      case "list": {
        const n = depth >= 3 && field.listKind === "message" ? 0 : Math.floor(r.next() * 4);
        value = Array.from({ length: n }, () =>
          field.listKind === "message"
            ? randomInit(field.message, r, depth + 1)
            : field.listKind === "enum"
              ? enumValue(field, r)
              : scalarValue(field.scalar, r),
        );
        break;
      }
      case "map": {
        const entries = Array.from({ length: Math.floor(r.next() * 4) }, () => [
          r.pick(["", "k", "1", "é", "10"]),
          field.mapKind === "message"
            ? create(field.message, randomInit(field.message, r, depth + 1))
            : field.mapKind === "enum"
              ? enumValue(field, r)
              : scalarValue(field.scalar, r),
        ]);
        value = Object.fromEntries(entries);
        break;
      }
    }
    if (field.oneof) init[field.oneof.localName] = { case: field.localName, value };
    else init[field.localName] = value;
  }
  return init;
}

describe("toBinaryFast", () => {
  const messages = allMessages();

  it("covers the schema's hot messages with a plan", () => {
    const names = messages.map((m) => m.typeName);
    expect(names).toEqual(
      expect.arrayContaining(["cosafe.identity.v1.User", "cosafe.identity.v1.ListUsersResponse"]),
    );
    expect(messages.length).toBeGreaterThan(100);
    for (const desc of [
      identity.UserSchema,
      identity.ListUsersResponseSchema,
      identity.ListUsersRequestSchema,
      identity.RecordProvisioningEntriesRequestSchema,
      identity.GetGroupResponseSchema,
      licensing.AllocateSeatsRequestSchema,
    ])
      expect(isPlanned(desc), desc.typeName).toBe(true);
    // Struct fields are JSON objects in protobuf-es: left to it.
    expect(isPlanned(identity.AuditEventSchema)).toBe(false);
  });

  it("writes the bytes protobuf-es writes, for random messages of every type", () => {
    const r = rng(20261206);
    let compared = 0;
    for (const desc of messages) {
      for (let i = 0; i < 40; i++) {
        const message = create(desc, randomInit(desc, r, 0));
        const expected = Buffer.from(toBinary(desc, message)).toString("hex");
        expect(`${desc.typeName} ${Buffer.from(toBinaryFast(desc, message)).toString("hex")}`).toBe(
          `${desc.typeName} ${expected}`,
        );
        compared++;
      }
    }
    expect(compared).toBe(messages.length * 40);
  });

  it("gives protobuf-es's answer for values it does not plan for", () => {
    const user = create(identity.UserSchema, { id: "u1", createTime: { seconds: 5n } });
    // 64-bit integers as strings or numbers, unknown fields, a nested message of another type.
    const asString = { ...user, createTime: { ...user.createTime, seconds: "7" } } as never;
    expect(toBinaryFast(identity.UserSchema, asString)).toEqual(toBinary(identity.UserSchema, asString));
    const unknown = { ...user, $unknown: [{ no: 99, wireType: 0, data: new Uint8Array([1]) }] };
    expect(toBinaryFast(identity.UserSchema, unknown)).toEqual(toBinary(identity.UserSchema, unknown));
    const event = create(identity.AuditEventSchema, { id: "e1", after: { a: 1, b: [true, null] } });
    expect(toBinaryFast(identity.AuditEventSchema, event)).toEqual(
      toBinary(identity.AuditEventSchema, event),
    );
  });

  it("refuses what protobuf-es refuses", () => {
    const bad = create(identity.ListUsersRequestSchema, { pageSize: 1.5 });
    expect(() => toBinary(identity.ListUsersRequestSchema, bad)).toThrow();
    expect(() => toBinaryFast(identity.ListUsersRequestSchema, bad)).toThrow(/invalid int32/);
  });
});
