import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { isPlanned, toBinaryFast } from "../src/compiled-binary-writer.js";
import * as identity from "../src/identity.js";
import * as licensing from "../src/licensing.js";
import { allMessages, everythingMessage, randomInit, rng } from "./random-messages.js";

describe("toBinaryFast", () => {
  const messages = [...allMessages(), everythingMessage()];

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
    expect(isPlanned(everythingMessage())).toBe(true);
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
