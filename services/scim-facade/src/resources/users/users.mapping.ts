import { create } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { type User, UserSchema } from "@cosafe/proto/identity";
import { ScimError } from "@cosafe/scim";
import { resourceMeta } from "../resource-meta.js";

export const userSchemaUrn = "urn:ietf:params:scim:schemas:core:2.0:User";

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function text(resource: Json, key: string): string {
  const value = resource[key];
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") throw new ScimError(400, "invalidValue", `${key} must be a string`);
  return value;
}

/** SCIM booleans, including the strings "True"/"False" Entra ID sends (R24). */
function bool(value: unknown, key: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
  throw new ScimError(400, "invalidValue", `${key} must be a boolean`);
}

function multiValued(resource: Json, key: string) {
  const value = resource[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ScimError(400, "invalidValue", `${key} must be an array`);
  return value.map((item, index) => {
    if (!isObject(item)) throw new ScimError(400, "invalidValue", `${key}[${index}] must be an object`);
    return {
      value: text(item, "value"),
      type: text(item, "type"),
      primary: bool(item.primary, `${key}.primary`) ?? false,
    };
  });
}

/** A SCIM User resource (as sent on POST/PUT) → the identity-core message. Rules stay in the core. */
export function toUserMessage(resource: unknown): User {
  if (!isObject(resource))
    throw new ScimError(400, "invalidSyntax", "the request body must be a JSON object");
  const name = isObject(resource.name) ? resource.name : {};
  return create(UserSchema, {
    userName: text(resource, "userName"),
    displayName: text(resource, "displayName"),
    externalId: text(resource, "externalId"),
    title: text(resource, "title"),
    active: bool(resource.active, "active"),
    name: {
      formatted: text(name, "formatted"),
      givenName: text(name, "givenName"),
      familyName: text(name, "familyName"),
    },
    emails: multiValued(resource, "emails"),
    phoneNumbers: multiValued(resource, "phoneNumbers"),
  });
}

function withoutEmpty<T extends Json>(object: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(object).filter(([, v]) => v !== "" && v !== undefined),
  ) as Partial<T>;
}

function multiValuedOut(items: { value: string; type: string; primary: boolean }[]) {
  return items.map((item) =>
    withoutEmpty({ value: item.value, type: item.type, primary: item.primary || undefined }),
  );
}

/** The identity-core message → the SCIM User resource the identity provider reads back. */
export function toScimUser(user: User, baseUrl: string): Json {
  const name = withoutEmpty({
    formatted: user.name?.formatted,
    givenName: user.name?.givenName,
    familyName: user.name?.familyName,
  });
  return {
    schemas: [userSchemaUrn],
    id: user.id,
    ...withoutEmpty({ externalId: user.externalId }),
    userName: user.userName,
    displayName: user.displayName,
    ...withoutEmpty({ title: user.title }),
    active: user.active ?? false,
    ...(Object.keys(name).length > 0 ? { name } : {}),
    ...(user.emails.length > 0 ? { emails: multiValuedOut(user.emails) } : {}),
    ...(user.phoneNumbers.length > 0 ? { phoneNumbers: multiValuedOut(user.phoneNumbers) } : {}),
    meta: resourceMeta({
      resourceType: "User",
      location: `${baseUrl}/Users/${user.id}`,
      created: user.createTime ? timestampDate(user.createTime) : undefined,
      lastModified: user.updateTime ? timestampDate(user.updateTime) : undefined,
      etag: user.etag,
    }),
  };
}
