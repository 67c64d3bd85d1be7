import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { fromBinaryFast, isReadPlanned } from "../src/compiled-binary-reader.js";
import * as identity from "../src/identity.js";
import * as licensing from "../src/licensing.js";
import { allMessages, everythingMessage, randomInit, rng } from "./random-messages.js";

/** What a reader makes of the bytes: the message, or the error it raised. */
function outcome(read: () => unknown): unknown {
  try {
    return { message: read() };
  } catch (error) {
    return { error: String(error) };
  }
}

const user = create(identity.UserSchema, {
  id: "u1",
  userName: "ann@example.com",
  name: { givenName: "Ann", familyName: "Lee" },
  emails: [{ value: "ann@example.com", type: "work", primary: true }],
  customAttributes: { team: "ops" },
  createTime: { seconds: 1733500000n, nanos: 5 },
});
const userBytes = toBinary(identity.UserSchema, user);

describe("fromBinaryFast", () => {
  const messages = [...allMessages(), everythingMessage()];

  it("reads the schema's hot messages from a plan", () => {
    for (const desc of [
      identity.UserSchema,
      identity.ListUsersResponseSchema,
      identity.ListUsersRequestSchema,
      identity.RecordProvisioningEntriesRequestSchema,
      identity.CreateUserRequestSchema,
      licensing.AllocateSeatsResponseSchema,
    ])
      expect(isReadPlanned(desc), desc.typeName).toBe(true);
    expect(isReadPlanned(everythingMessage())).toBe(true);
    expect(isReadPlanned(identity.AuditEventSchema)).toBe(false);
  });

  it("reads what protobuf-es reads, for random messages of every type", () => {
    const r = rng(20261207);
    let compared = 0;
    for (const desc of messages) {
      for (let i = 0; i < 40; i++) {
        const bytes = toBinary(desc, create(desc, randomInit(desc, r, 0)));
        expect(fromBinaryFast(desc, bytes), desc.typeName).toStrictEqual(fromBinary(desc, bytes));
        compared++;
      }
    }
    expect(compared).toBe(messages.length * 40);
  });

  it("gives protobuf-es's answer for input it does not plan for", () => {
    const cases: [string, Uint8Array][] = [
      // an unknown field (kept in $unknown by protobuf-es)
      ["unknown field", Buffer.concat([userBytes, Buffer.from([0xf8, 0x07, 0x01])])],
      // a singular message field twice: protobuf-es merges the two
      [
        "merged message",
        Buffer.concat([
          userBytes,
          Buffer.from(
            toBinary(identity.UserSchema, create(identity.UserSchema, { name: { formatted: "A L" } })),
          ),
        ]),
      ],
      // a string field as a varint
      ["wrong wire type", Buffer.from([(0x0a >> 3) << 3, 0x05])],
      // invalid UTF-8, a U+FFFD that was sent, a leading BOM
      ["invalid utf-8", Buffer.from([0x1a, 0x02, 0xc3, 0x28])],
      ["replacement char", Buffer.from([0x1a, 0x03, 0xef, 0xbf, 0xbd])],
      ["bom", Buffer.from([0x1a, 0x04, 0xef, 0xbb, 0xbf, 0x41])],
      ["empty", new Uint8Array(0)],
    ];
    for (const [name, bytes] of cases)
      expect(
        outcome(() => fromBinaryFast(identity.UserSchema, bytes)),
        name,
      ).toStrictEqual(outcome(() => fromBinary(identity.UserSchema, bytes)));
    // Repeated enums sent unpacked (one tag per value) read as packed ones do.
    const unpacked = Buffer.from([0x20, 0x01, 0x20, 0x02, 0x20, 0x01]);
    const columns = fromBinaryFast(identity.GroupMemberColumnsSchema, unpacked);
    expect(columns.states).toEqual([1, 2, 1]);
    expect(columns).toStrictEqual(fromBinary(identity.GroupMemberColumnsSchema, unpacked));
  });

  it("agrees with protobuf-es on every cut and on damaged input", () => {
    for (let end = 0; end <= userBytes.length; end++) {
      const cut = userBytes.subarray(0, end);
      expect(
        outcome(() => fromBinaryFast(identity.UserSchema, cut)),
        `cut at ${end}`,
      ).toStrictEqual(outcome(() => fromBinary(identity.UserSchema, cut)));
    }
    const r = rng(7);
    for (let i = 0; i < 2000; i++) {
      const damaged = Buffer.from(userBytes);
      damaged[Math.floor(r.next() * damaged.length)] = Math.floor(r.next() * 256);
      expect(outcome(() => fromBinaryFast(identity.UserSchema, damaged))).toStrictEqual(
        outcome(() => fromBinary(identity.UserSchema, damaged)),
      );
    }
  });

  it("returns bytes fields as views of the input, as protobuf-es does", () => {
    const desc = everythingMessage();
    const bytes = toBinary(desc, create(desc, { sBytes: new Uint8Array([1, 2, 3]) } as never));
    const read = fromBinaryFast(desc, bytes) as unknown as { sBytes: Uint8Array };
    expect(read.sBytes.buffer).toBe(bytes.buffer);
    expect(read).toStrictEqual(fromBinary(desc, bytes));
  });
});
