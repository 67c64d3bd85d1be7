import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { GroupSchema } from "@cosafe/proto/identity";
import { GROUP_RESOURCE_TYPE, projectResource } from "@cosafe/scim";
import { describe, expect, it } from "vitest";
import { toScimGroup } from "../src/resources/groups/groups.mapping.js";
import { groupJsonWithMembers } from "../src/resources/groups/members-json.js";

const baseUrl = 'https://scim.example.com/scim/v2/t-"1"';
const group = create(GroupSchema, {
  id: "6f1c1d8e-0d5e-4a57-9a0e-1f2a3b4c5d6e",
  tenantId: "t-1",
  displayName: 'Crisis "Team" \\ Nord',
  externalId: "ext-1",
  etag: "7.3",
  createTime: timestampFromDate(new Date("2026-12-01T10:00:00Z")),
  updateTime: timestampFromDate(new Date("2026-12-04T10:00:00Z")),
});

/** The group's JSON the general way (render, then the default projection), parsed. */
const general = (members: { userId: string; display: string }[]) =>
  JSON.parse(JSON.stringify(projectResource(toScimGroup(group, members, baseUrl), GROUP_RESOURCE_TYPE, {})));

const fast = (members: { userId: string; display: string }[]) => {
  const rest = projectResource(toScimGroup(group, undefined, baseUrl), GROUP_RESOURCE_TYPE, {});
  return JSON.parse(groupJsonWithMembers(JSON.stringify(rest), members, baseUrl).toString("utf8"));
};

const displays = [
  "Ada Lovelace",
  "",
  'quote " and backslash \\',
  "tab\tnew line\ncontrol \u0001 and DEL \u007f",
  "Zoë Ågren",
  "山田 太郎",
  "fire extinguisher 🧯",
  "lone surrogate \ud800 here",
  "x".repeat(2000),
];

describe("a group's members written as bytes (issue 11)", () => {
  it("reads exactly as the general way renders and projects the group", () => {
    const members = Array.from({ length: 2_000 }, (_, i) => ({
      userId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      display: displays[i % displays.length] as string,
    }));
    expect(fast(members)).toEqual(general(members));
    expect(fast(members.slice(0, 1))).toEqual(general(members.slice(0, 1)));
  });

  it("leaves members out for a group without members, as the projection drops an empty list", () => {
    expect(fast([])).toEqual(general([]));
    expect(fast([])).not.toHaveProperty("members");
  });

  it("writes into an object with no other attribute, and refuses JSON that is not an object", () => {
    const body = groupJsonWithMembers("{}", [{ userId: "u-1", display: "A" }], "https://h");
    expect(JSON.parse(body.toString("utf8"))).toEqual({
      members: [{ value: "u-1", display: "A", type: "User", $ref: "https://h/Users/u-1" }],
    });
    expect(() => groupJsonWithMembers("[]", [], "https://h")).toThrow();
  });
});
