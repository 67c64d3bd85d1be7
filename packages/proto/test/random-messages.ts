import { create, createFileRegistry, type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import * as health from "../src/health.js";
import * as identity from "../src/identity.js";
import * as licensing from "../src/licensing.js";

// Random messages of every type in our schema, for comparing the compiled codecs with
// protobuf-es (ADR 0025).

/** Every message type of our schema, nested ones included (and the WKTs they use). */
export function allMessages(): DescMessage[] {
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
export type Random = ReturnType<typeof rng>;

export function rng(seed: number) {
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

function scalarValue(type: ScalarType, r: Random): unknown {
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

function enumValue(field: DescField & { enum: NonNullable<DescField["enum"]> }, r: Random) {
  // Open enums carry numbers the schema does not name, negative ones too.
  return r.next() < 0.8 ? r.pick(field.enum.values).number : r.pick([99, -5]);
}

// biome-ignore lint/suspicious/noExplicitAny: built field by field from the descriptor.
export function randomInit(desc: DescMessage, r: Random, depth: number): any {
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

/**
 * A proto3 message with every scalar type singular and repeated, maps of scalars, enums and
 * messages, a oneof and nesting: the types our own schema does not use yet.
 */
export function everythingMessage(): DescMessage {
  const t = {
    double: 1,
    float: 2,
    int64: 3,
    uint64: 4,
    int32: 5,
    fixed64: 6,
    fixed32: 7,
    bool: 8,
    string: 9,
    bytes: 12,
    uint32: 13,
    sfixed32: 15,
    sfixed64: 16,
    sint32: 17,
    sint64: 18,
  };
  const scalars = Object.entries(t);
  const fields: object[] = [];
  let number = 1;
  for (const [name, type] of scalars) fields.push({ name: `s_${name}`, number: number++, label: 1, type });
  for (const [name, type] of scalars) fields.push({ name: `r_${name}`, number: number++, label: 3, type });
  fields.push({ name: "kind", number: number++, label: 1, type: 14, typeName: ".test.Kind" });
  fields.push({ name: "kinds", number: number++, label: 3, type: 14, typeName: ".test.Kind" });
  fields.push({ name: "nested", number: number++, label: 1, type: 11, typeName: ".test.Nested" });
  fields.push({ name: "nesteds", number: number++, label: 3, type: 11, typeName: ".test.Nested" });
  const entries: object[] = [];
  for (const [name, value] of [
    ["m_int64", { type: 3 }],
    ["m_string", { type: 9 }],
    ["m_sint32", { type: 17 }],
    ["m_bool", { type: 8 }],
    ["m_kind", { type: 14, typeName: ".test.Kind" }],
    ["m_nested", { type: 11, typeName: ".test.Nested" }],
  ] as const) {
    const entry = `${name.replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase())}Entry`;
    entries.push({
      name: entry,
      field: [
        { name: "key", number: 1, label: 1, type: 9 },
        { name: "value", number: 2, label: 1, ...value },
      ],
      options: { mapEntry: true },
    });
    fields.push({ name, number: number++, label: 3, type: 11, typeName: `.test.Everything.${entry}` });
  }
  fields.push({ name: "o_string", number: number++, label: 1, type: 9, oneofIndex: 0 });
  fields.push({
    name: "o_nested",
    number: number++,
    label: 1,
    type: 11,
    typeName: ".test.Nested",
    oneofIndex: 0,
  });
  fields.push({ name: "o_sint64", number: number++, label: 1, type: 18, oneofIndex: 0 });
  const file = create(FileDescriptorProtoSchema, {
    name: "test/everything.proto",
    package: "test",
    syntax: "proto3",
    enumType: [
      {
        name: "Kind",
        value: [
          { name: "KIND_UNSPECIFIED", number: 0 },
          { name: "KIND_A", number: 1 },
        ],
      },
    ],
    messageType: [
      {
        name: "Nested",
        field: [
          { name: "text", number: 1, label: 1, type: 9 },
          { name: "amount", number: 2, label: 1, type: 18 },
          { name: "child", number: 3, label: 1, type: 11, typeName: ".test.Nested" },
        ],
      },
      { name: "Everything", field: fields, nestedType: entries, oneofDecl: [{ name: "choice" }] },
    ],
  } as never);
  const message = createFileRegistry(file, () => undefined).getMessage("test.Everything");
  if (!message) throw new Error("test.Everything did not build");
  return message;
}
