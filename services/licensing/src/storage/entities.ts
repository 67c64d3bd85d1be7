import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

export const schemaName = "licensing";

export const LicenseSchema = defineEntity({
  name: "License",
  tableName: "license",
  schema: schemaName,
  properties: {
    tenantId: p.uuid().primary(),
    seatLimit: p.integer(),
    seatsInUse: p.integer(),
    version: p.integer().version(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type License = InferEntity<typeof LicenseSchema>;

export const SeatSchema = defineEntity({
  name: "Seat",
  tableName: "seat",
  schema: schemaName,
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    userId: p.uuid(),
    createdAt: p.datetime().onCreate(() => new Date()),
    // granted_at (migration 0003) is set by the seat statements in domain/seat-commands.ts only.
  },
});
export type Seat = InferEntity<typeof SeatSchema>;

export const LicensingAuditEventSchema = defineEntity({
  name: "LicensingAuditEvent",
  tableName: "audit_event",
  schema: schemaName,
  properties: {
    id: p.bigint("string").primary().autoincrement(),
    tenantId: p.uuid(),
    actorId: p.text(),
    actorRole: p.text(),
    action: p.text(),
    before: p.json<Record<string, unknown>>().nullable(),
    after: p.json<Record<string, unknown>>().nullable(),
    requestId: p.text(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export const entities = [LicenseSchema, SeatSchema, LicensingAuditEventSchema];
