import { create } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { type User, type UserGroup, UserSchema } from "@cosafe/proto/identity";
import { USER_SCHEMA } from "@cosafe/scim";
import { weakEtag } from "../etag.js";

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const str = (value: unknown): string => (typeof value === "string" ? value : "");

function multiValued(value: unknown) {
  if (!Array.isArray(value)) return [];
  return value
    .filter(isObject)
    .map((item) => ({ value: str(item.value), type: str(item.type), primary: item.primary === true }));
}

/**
 * A User resource already validated and coerced by @cosafe/scim (canonical names, real
 * booleans, unstored attributes dropped) → the identity-core message. An absent `active`
 * stays absent: on create it means true, on PUT "unchanged" (R4b). Rules stay in the core.
 */
export function toUserMessage(resource: Json): User {
  const name = isObject(resource.name) ? resource.name : {};
  return create(UserSchema, {
    userName: str(resource.userName),
    displayName: str(resource.displayName),
    externalId: str(resource.externalId),
    title: str(resource.title),
    active: typeof resource.active === "boolean" ? resource.active : undefined,
    name: {
      formatted: str(name.formatted),
      givenName: str(name.givenName),
      familyName: str(name.familyName),
    },
    emails: multiValued(resource.emails),
    phoneNumbers: multiValued(resource.phoneNumbers),
  });
}

function withoutEmpty(object: Json): Json {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== "" && v !== undefined));
}

function multiValuedOut(items: { value: string; type: string; primary: boolean }[]) {
  return items.map((item) =>
    withoutEmpty({ value: item.value, type: item.type, primary: item.primary || undefined }),
  );
}

/**
 * The identity-core message → the full SCIM User resource (projection happens afterwards).
 * `groups` (RFC 7643 §4.1.2, read-only) only when read for the response; an empty list is omitted.
 */
export function toScimUser(user: User, baseUrl: string, groups?: readonly UserGroup[]): Json {
  const name = withoutEmpty({
    formatted: user.name?.formatted,
    givenName: user.name?.givenName,
    familyName: user.name?.familyName,
  });
  return {
    schemas: [USER_SCHEMA],
    id: user.id,
    ...withoutEmpty({ externalId: user.externalId }),
    userName: user.userName,
    displayName: user.displayName,
    ...withoutEmpty({ title: user.title }),
    active: user.active ?? false,
    ...(Object.keys(name).length > 0 ? { name } : {}),
    ...(user.emails.length > 0 ? { emails: multiValuedOut(user.emails) } : {}),
    ...(user.phoneNumbers.length > 0 ? { phoneNumbers: multiValuedOut(user.phoneNumbers) } : {}),
    ...(groups && groups.length > 0
      ? {
          groups: groups.map((group) => ({
            value: group.groupId,
            $ref: `${baseUrl}/Groups/${group.groupId}`,
            display: group.display,
            type: "direct",
          })),
        }
      : {}),
    meta: {
      resourceType: "User",
      created: user.createTime ? timestampDate(user.createTime).toISOString() : undefined,
      lastModified: user.updateTime ? timestampDate(user.updateTime).toISOString() : undefined,
      location: `${baseUrl}/Users/${user.id}`,
      version: weakEtag(user.etag),
    },
  };
}

/** SCIM top-level attributes → identity-core update-mask paths (the attributes a PATCH touched). */
export const userMaskPaths: Record<string, string> = {
  userName: "user_name",
  displayName: "display_name",
  externalId: "external_id",
  title: "title",
  active: "active",
  name: "name",
  emails: "emails",
  phoneNumbers: "phone_numbers",
};
