import { ActorType } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import type { EntityManager } from "@mikro-orm/postgresql";
import { AuditEventSchema } from "../../storage/entities.js";
import type { AuditActor } from "../../storage/user-write-sql.js";
import { roleNames } from "../access.js";

export interface AuditChange {
  tenantId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

const actorTypeNames: Record<ActorType, string> = {
  [ActorType.UNSPECIFIED]: "UNSPECIFIED",
  [ActorType.SCIM_TOKEN]: "SCIM_TOKEN",
  [ActorType.PERSON]: "PERSON",
  [ActorType.SERVICE]: "SERVICE",
  [ActorType.SYSTEM]: "SYSTEM",
};

/**
 * Adds an append-only audit event (R22) to the unit of work, so it commits in the same
 * transaction as the change it describes — or not at all.
 */
export function recordAudit(em: EntityManager, call: CallContext, change: AuditChange): void {
  em.create(AuditEventSchema, {
    tenantId: change.tenantId,
    actorType: actorTypeNames[call.actor.type],
    actorId: call.actor.id,
    actorRole: roleNames[call.actor.role],
    action: change.action,
    targetType: change.targetType,
    targetId: change.targetId,
    before: change.before ?? null,
    after: change.after ?? null,
    requestId: call.requestId,
  });
}

/** Several audit events of one transaction (MikroORM batches the inserts). */
export function recordAuditBatch(
  em: EntityManager,
  call: CallContext,
  changes: readonly AuditChange[],
): void {
  for (const change of changes) recordAudit(em, call, change);
}

/** Who acts, as an audit event written by bound SQL records it (storage/user-write-sql.ts). */
export function auditActorOf(call: CallContext): AuditActor {
  return {
    actorType: actorTypeNames[call.actor.type],
    actorId: call.actor.id,
    actorRole: roleNames[call.actor.role],
    requestId: call.requestId,
  };
}

export { actorTypeNames };
