import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  GetGroupResponseSchema,
  GroupMemberColumnsSchema,
  GroupSchema,
  ListGroupMembersResponseSchema,
  MembershipSource,
  MembershipState,
} from "../src/identity.js";
import { memberColumnsCodec } from "../src/member-columns-wire.js";

const getGroup = memberColumnsCodec(GetGroupResponseSchema, "members");
const listMembers = memberColumnsCodec(ListGroupMembersResponseSchema, "memberColumns");

const displays = ["Ada Lovelace", "", "Zoë Ågren", "山田 太郎", "emoji 🧯 in a name", "x".repeat(300)];

function columns(n: number) {
  return create(GroupMemberColumnsSchema, {
    userIds: Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`),
    displays: Array.from({ length: n }, (_, i) => displays[i % displays.length] as string),
    sources: Array.from({ length: n }, (_, i) =>
      i % 3 === 0 ? MembershipSource.MANUAL : MembershipSource.SCIM,
    ),
    states: Array.from({ length: n }, (_, i) =>
      i % 5 === 0 ? MembershipState.DORMANT : MembershipState.ACTIVE,
    ),
  });
}

function response(n: number) {
  return create(GetGroupResponseSchema, {
    group: create(GroupSchema, { id: "g-1", tenantId: "t-1", displayName: "Crisis team", etag: 'W/"3"' }),
    members: columns(n),
    nextMemberPageToken: n > 2 ? "after:2" : "",
  });
}

describe("member columns on the wire", () => {
  it("writes what protobuf-es reads, and reads what protobuf-es writes", () => {
    for (const n of [0, 1, 7, 10_000]) {
      const message = response(n);
      expect(fromBinary(GetGroupResponseSchema, getGroup.encode(message))).toEqual(message);
      expect(getGroup.decode(toBinary(GetGroupResponseSchema, message))).toEqual(message);
      expect(getGroup.decode(getGroup.encode(message))).toEqual(message);
    }
  });

  it("takes a response without columns, and a list page, through the same codec", () => {
    const bare = create(GetGroupResponseSchema, { group: create(GroupSchema, { id: "g-2" }) });
    expect(getGroup.encode(bare)).toEqual(toBinary(GetGroupResponseSchema, bare));
    expect(getGroup.decode(getGroup.encode(bare))).toEqual(bare);
    const page = create(ListGroupMembersResponseSchema, {
      memberColumns: columns(5),
      totalSize: 12,
      nextPageToken: "next",
    });
    expect(fromBinary(ListGroupMembersResponseSchema, listMembers.encode(page))).toEqual(page);
    expect(listMembers.decode(toBinary(ListGroupMembersResponseSchema, page))).toEqual(page);
  });

  it("keeps enum values the contract does not name (proto3 enums are open), negative ones too", () => {
    const message = response(3);
    message.members?.sources.splice(0, 2, 7 as MembershipSource, -1 as MembershipSource);
    expect(fromBinary(GetGroupResponseSchema, getGroup.encode(message))).toEqual(message);
    expect(getGroup.decode(toBinary(GetGroupResponseSchema, message))).toEqual(message);
  });

  it("merges a columns field that occurs twice, and reads unpacked enums, as protobuf does", () => {
    const first = toBinary(GetGroupResponseSchema, response(2));
    const second = toBinary(GetGroupResponseSchema, create(GetGroupResponseSchema, { members: columns(3) }));
    const both = Buffer.concat([first, second]);
    expect(getGroup.decode(both)).toEqual(fromBinary(GetGroupResponseSchema, both));
    expect(getGroup.decode(both).members?.userIds).toHaveLength(5);
    // field 2 (members) holding field 3 (sources) as two unpacked varints: 1, then 2
    const unpacked = Uint8Array.of(0x12, 0x04, 0x18, 0x01, 0x18, 0x02);
    expect(getGroup.decode(unpacked).members?.sources).toEqual([
      MembershipSource.SCIM,
      MembershipSource.MANUAL,
    ]);
    expect(getGroup.decode(unpacked)).toEqual(fromBinary(GetGroupResponseSchema, unpacked));
  });

  it("reads strings as protobuf-es does: invalid UTF-8 refused, U+FFFD kept, a leading BOM dropped", () => {
    const message = response(3);
    message.members?.displays.splice(0, 3, "\ufeffBOM first", "BOM \ufeff inside", "replacement \ufffd sent");
    const bytes = toBinary(GetGroupResponseSchema, message);
    expect(getGroup.decode(bytes)).toEqual(fromBinary(GetGroupResponseSchema, bytes));
    // field 2 (members) holding field 2 (displays) with the bytes 0xff 0x41
    const invalid = Uint8Array.of(0x12, 0x04, 0x12, 0x02, 0xff, 0x41);
    expect(() => fromBinary(GetGroupResponseSchema, invalid)).toThrow();
    expect(() => getGroup.decode(invalid)).toThrow();
  });

  it("refuses bytes cut short or with a length past the end, never reading outside them", () => {
    const bytes = getGroup.encode(response(50));
    expect(() => getGroup.decode(bytes.subarray(0, bytes.length - 3))).toThrow();
    // members field claiming 5 bytes, of which one is there
    expect(() => getGroup.decode(Uint8Array.of(0x12, 0x05, 0x0a))).toThrow();
    // a user id claiming more bytes than its columns hold
    expect(() => getGroup.decode(Uint8Array.of(0x12, 0x02, 0x0a, 0x09))).toThrow();
    // a varint that never ends
    expect(() => getGroup.decode(Uint8Array.of(0x12, 0x03, 0x18, 0xff, 0xff))).toThrow();
    // field number 0, which protobuf-es refuses too
    expect(() => getGroup.decode(Uint8Array.of(0x12, 0x02, 0x00, 0x01))).toThrow();
    expect(() => fromBinary(GetGroupResponseSchema, Uint8Array.of(0x12, 0x02, 0x00, 0x01))).toThrow();
  });

  it("knows every field of GroupMemberColumns (a new field needs a line in the codec)", () => {
    expect(GroupMemberColumnsSchema.fields.map((f) => `${f.number}:${f.localName}`)).toEqual([
      "1:userIds",
      "2:displays",
      "3:sources",
      "4:states",
    ]);
  });

  it("is only made for a GroupMemberColumns field", () => {
    expect(() => memberColumnsCodec(GetGroupResponseSchema, "group")).toThrow(/no GroupMemberColumns field/);
  });
});
