import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

export const schemaName = "identity";

export const TenantSchema = defineEntity({
  name: "Tenant",
  tableName: "tenant",
  schema: schemaName,
  properties: {
    id: p.uuid().primary(),
    displayName: p.text(),
    mainAccountId: p.uuid().nullable(),
    defaultAccountId: p.uuid().nullable(),
    deprovisionOnLastGroupRemoval: p.boolean(),
    /** R2: region for phone numbers without a country code; null means none (migration 0010). */
    defaultPhoneRegion: p.text().nullable(),
    /** SCIM provisioning paused by support (issue 7); null when not paused. */
    scimPausedAt: p.datetime().nullable(),
    scimPauseReason: p.text().nullable(),
    scimPausedBy: p.text().nullable(),
    version: p.integer().version(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type Tenant = InferEntity<typeof TenantSchema>;

export const AccountSchema = defineEntity({
  name: "Account",
  tableName: "account",
  schema: schemaName,
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    parentAccountId: p.uuid().nullable(),
    displayName: p.text(),
    version: p.integer().version(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type Account = InferEntity<typeof AccountSchema>;

export interface StoredEmail {
  value: string;
  type?: string;
  primary?: boolean;
}

export interface StoredPhoneNumber {
  value: string;
  type?: string;
  primary?: boolean;
  /** Normalised copy; absent when the value cannot be parsed. */
  e164?: string;
}

export const UserSchema = defineEntity({
  name: "User",
  tableName: "app_user",
  schema: schemaName,
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    userName: p.text(),
    displayName: p.text(),
    externalId: p.text().nullable(),
    title: p.text().nullable(),
    active: p.boolean(),
    nameFormatted: p.text().nullable(),
    nameGivenName: p.text().nullable(),
    nameFamilyName: p.text().nullable(),
    emails: p.json<StoredEmail[]>(),
    phoneNumbers: p.json<StoredPhoneNumber[]>(),
    managedBy: p.enum(["MANUAL", "SCIM"]),
    state: p.enum(["PROVISIONED", "DEPROVISIONED"]),
    locale: p.text().nullable(),
    role: p.enum(["MEMBER", "ADMIN"]),
    customAttributes: p.json<Record<string, string>>(),
    seatId: p.uuid().nullable(),
    version: p.integer().version(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    deprovisionedAt: p.datetime().nullable(),
    deprovisionReason: p.enum(["INACTIVE", "LAST_SCIM_GROUP_REMOVED", "ADMIN"]).nullable(),
    /** When the identity provider itself created the user; null for admin, support and import (docs/adr/0012). */
    idpCreatedAt: p.datetime().nullable(),
  },
});
export type User = InferEntity<typeof UserSchema>;

export const AccountMembershipSchema = defineEntity({
  name: "AccountMembership",
  tableName: "account_membership",
  schema: schemaName,
  properties: {
    accountId: p.uuid().primary(),
    userId: p.uuid().primary(),
    tenantId: p.uuid(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type AccountMembership = InferEntity<typeof AccountMembershipSchema>;

export const ScimTokenSchema = defineEntity({
  name: "ScimToken",
  tableName: "scim_token",
  schema: schemaName,
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    name: p.text(),
    secretHash: p.blob(),
    hint: p.text(),
    createdAt: p.datetime().onCreate(() => new Date()),
    expiresAt: p.datetime().nullable(),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    /** When the daily job last reported the coming expiry in the provisioning log. */
    expiryReportedAt: p.datetime().nullable(),
    /** Set on short-lived access tokens obtained by an OAuth client (issue 16, migration 0011). */
    oauthClientId: p.uuid().nullable(),
  },
});
export type ScimToken = InferEntity<typeof ScimTokenSchema>;

/** OAuth 2.0 client-credentials client of a tenant (issue 16); the secret only as a SHA-256 hash. */
export const OAuthClientSchema = defineEntity({
  name: "OAuthClient",
  tableName: "oauth_client",
  schema: schemaName,
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    name: p.text(),
    secretHash: p.blob(),
    hint: p.text(),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
  },
});
export type OAuthClient = InferEntity<typeof OAuthClientSchema>;

export const AuditEventSchema = defineEntity({
  name: "AuditEvent",
  tableName: "audit_event",
  schema: schemaName,
  properties: {
    id: p.bigint("string").primary().autoincrement(),
    tenantId: p.uuid().nullable(),
    actorType: p.text(),
    actorId: p.text(),
    actorRole: p.text(),
    action: p.text(),
    targetType: p.text(),
    targetId: p.text(),
    before: p.json<Record<string, unknown>>().nullable(),
    after: p.json<Record<string, unknown>>().nullable(),
    requestId: p.text(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type AuditEvent = InferEntity<typeof AuditEventSchema>;

export const GroupSchema = defineEntity({
  name: "Group",
  tableName: "app_group",
  schema: schemaName,
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    accountId: p.uuid(),
    displayName: p.text(),
    externalId: p.text().nullable(),
    scimLinked: p.boolean(),
    version: p.integer().version(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    deletedAt: p.datetime().nullable(),
  },
});
export type Group = InferEntity<typeof GroupSchema>;

export const InvitationSchema = defineEntity({
  name: "Invitation",
  tableName: "invitation",
  schema: schemaName,
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    userId: p.uuid(),
    email: p.text(),
    invitedBy: p.text(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type Invitation = InferEntity<typeof InvitationSchema>;

export const entities = [
  TenantSchema,
  AccountSchema,
  UserSchema,
  AccountMembershipSchema,
  ScimTokenSchema,
  OAuthClientSchema,
  AuditEventSchema,
  GroupSchema,
  InvitationSchema,
];
