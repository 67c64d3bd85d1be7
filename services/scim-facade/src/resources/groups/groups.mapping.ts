import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Group } from "@cosafe/proto/identity";
import { GROUP_SCHEMA } from "@cosafe/scim";
import { weakEtag } from "../etag.js";
import type { MemberRef } from "./group-members.js";

type Json = Record<string, unknown>;

/** The member ids of a validated Group resource (`members[].value`). */
export function memberIdsOf(resource: Json): string[] | undefined {
  if (!Array.isArray(resource.members)) return undefined;
  return resource.members
    .map((member) => (typeof member === "object" && member !== null ? (member as Json).value : undefined))
    .filter((value): value is string => typeof value === "string" && value !== "");
}

/**
 * The member ids a Group PUT sets, or undefined when it sends no `members` (R4b: membership
 * unchanged). `validateResource` drops empty values, so an explicit `"members": []` (or
 * `null`) is read from the raw body: it is a full member list that happens to be empty.
 */
export function putMemberIdsOf(body: unknown, resource: Json): string[] | undefined {
  const sent = memberIdsOf(resource);
  if (sent !== undefined) return sent;
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const key = Object.keys(body).find((k) => k.toLowerCase() === "members");
  const value = key === undefined ? undefined : (body as Json)[key];
  return value === null || (Array.isArray(value) && value.length === 0) ? [] : undefined;
}

/** The identity-core group (and, when asked for, its members) → the SCIM Group resource. */
export function toScimGroup(group: Group, members: readonly MemberRef[] | undefined, baseUrl: string): Json {
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
