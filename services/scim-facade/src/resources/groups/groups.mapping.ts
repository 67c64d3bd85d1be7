import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Group, GroupMember } from "@cosafe/proto/identity";
import { GROUP_SCHEMA } from "@cosafe/scim";
import { weakEtag } from "../etag.js";

type Json = Record<string, unknown>;

/** The member ids of a validated Group resource (`members[].value`). */
export function memberIdsOf(resource: Json): string[] | undefined {
  if (!Array.isArray(resource.members)) return undefined;
  return resource.members
    .map((member) => (typeof member === "object" && member !== null ? (member as Json).value : undefined))
    .filter((value): value is string => typeof value === "string" && value !== "");
}

/** The identity-core group (and, when asked for, its members) → the SCIM Group resource. */
export function toScimGroup(group: Group, members: GroupMember[] | undefined, baseUrl: string): Json {
  return {
    schemas: [GROUP_SCHEMA],
    id: group.id,
    ...(group.externalId ? { externalId: group.externalId } : {}),
    displayName: group.displayName,
    ...(members
      ? {
          members: members.map((member) => ({
            value: member.userId,
            display: member.display,
            type: "User",
            $ref: `${baseUrl}/Users/${member.userId}`,
          })),
        }
      : {}),
    meta: {
      resourceType: "Group",
      created: group.createTime ? timestampDate(group.createTime).toISOString() : undefined,
      lastModified: group.updateTime ? timestampDate(group.updateTime).toISOString() : undefined,
      location: `${baseUrl}/Groups/${group.id}`,
      version: weakEtag(group.etag),
    },
  };
}
