import { create } from "@bufbuild/protobuf";
import {
  ManagedBy,
  type User as UserMessage,
  UserSchema as UserMessageSchema,
  UserRole,
  UserState,
} from "@cosafe/proto/identity";
import type { UserInput } from "../../domain/user/user-input.js";
import type { User } from "../../storage/entities.js";
import { toTimestamp } from "./timestamps.js";

const managedBy = { MANUAL: ManagedBy.MANUAL, SCIM: ManagedBy.SCIM } as const;
const states = { PROVISIONED: UserState.PROVISIONED, DEPROVISIONED: UserState.DEPROVISIONED } as const;
const roles = { MEMBER: UserRole.MEMBER, ADMIN: UserRole.ADMIN } as const;

/** Stored user → wire message. */
export function toUserMessage(user: User): UserMessage {
  return create(UserMessageSchema, {
    id: user.id,
    tenantId: user.tenantId,
    userName: user.userName,
    displayName: user.displayName,
    externalId: user.externalId ?? "",
    title: user.title ?? "",
    active: user.active,
    name: {
      formatted: user.nameFormatted ?? "",
      givenName: user.nameGivenName ?? "",
      familyName: user.nameFamilyName ?? "",
    },
    emails: user.emails.map((e) => ({ value: e.value, type: e.type ?? "", primary: e.primary ?? false })),
    phoneNumbers: user.phoneNumbers.map((p) => ({
      value: p.value,
      type: p.type ?? "",
      primary: p.primary ?? false,
      e164: p.e164 ?? "",
    })),
    managedBy: managedBy[user.managedBy],
    state: states[user.state],
    locale: user.locale ?? "",
    role: roles[user.role],
    customAttributes: user.customAttributes,
    seatId: user.seatId ?? "",
    etag: String(user.version),
    createTime: toTimestamp(user.createdAt),
    updateTime: toTimestamp(user.updatedAt),
  });
}

const optional = (value: string) => (value === "" ? undefined : value);

/** Wire message → what the domain accepts on create. Output-only fields are ignored. */
export function toUserInput(message: UserMessage): UserInput {
  return {
    userName: message.userName,
    displayName: optional(message.displayName),
    externalId: optional(message.externalId),
    title: optional(message.title),
    active: message.active,
    name: {
      formatted: optional(message.name?.formatted ?? ""),
      givenName: optional(message.name?.givenName ?? ""),
      familyName: optional(message.name?.familyName ?? ""),
    },
    emails: message.emails.map((e) => ({
      value: e.value,
      ...(e.type ? { type: e.type } : {}),
      ...(e.primary ? { primary: true } : {}),
    })),
    phoneNumbers: message.phoneNumbers.map((p) => ({
      value: p.value,
      ...(p.type ? { type: p.type } : {}),
      ...(p.primary ? { primary: true } : {}),
    })),
    locale: optional(message.locale),
    role: message.role === UserRole.ADMIN ? "ADMIN" : message.role === UserRole.MEMBER ? "MEMBER" : undefined,
    customAttributes: message.customAttributes,
  };
}
