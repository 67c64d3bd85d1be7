import type { JsonObject } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { ActorType, AuditEventSchema, type AuditService, Role } from "@cosafe/proto/identity";
import { callContextOf } from "@cosafe/rpc";
import type { AuditQueries } from "../domain/audit/audit-queries.js";
import { nextPageToken, pageRequest } from "../domain/page.js";
import type { AuditEvent } from "../storage/entities.js";
import { fromTimestamp, toTimestamp } from "./convert/timestamps.js";

function toAuditEventMessage(event: AuditEvent) {
  return create(AuditEventSchema, {
    id: event.id,
    tenantId: event.tenantId ?? "",
    actor: {
      type: ActorType[event.actorType as keyof typeof ActorType] ?? ActorType.UNSPECIFIED,
      id: event.actorId,
      role: Role[event.actorRole as keyof typeof Role] ?? Role.UNSPECIFIED,
    },
    action: event.action,
    targetType: event.targetType,
    targetId: event.targetId,
    before: (event.before ?? undefined) as JsonObject | undefined,
    after: (event.after ?? undefined) as JsonObject | undefined,
    requestId: event.requestId,
    createTime: toTimestamp(event.createdAt),
  });
}

/** cosafe.identity.v1.AuditService. */
export function auditService(deps: { audit: AuditQueries }): ServiceImpl<typeof AuditService> {
  return {
    async listAuditEvents(req, ctx) {
      const page = pageRequest(
        { pageSize: req.pageSize, pageToken: req.pageToken, skip: 0 },
        { max: 1000, defaultSize: 100 },
      );
      const events = await deps.audit.list(callContextOf(ctx), req.tenantId, {
        targetType: req.targetType || undefined,
        targetId: req.targetId || undefined,
        actorId: req.actorId || undefined,
        from: fromTimestamp(req.startTime),
        until: fromTimestamp(req.endTime),
        page,
      });
      // The audit log has no cheap exact total: a full page means there may be more.
      const more = events.length === page.limit ? 1 : 0;
      return {
        events: events.map(toAuditEventMessage),
        nextPageToken: nextPageToken(page, events.length, page.offset + events.length + more),
      };
    },
  };
}
