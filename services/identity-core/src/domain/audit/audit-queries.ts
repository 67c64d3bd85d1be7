import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import type { FilterQuery, MikroORM } from "@mikro-orm/postgresql";
import { type AuditEvent, AuditEventSchema } from "../../storage/entities.js";
import { requireTenantAccess } from "../access.js";
import type { PageRequest } from "../page.js";

export interface AuditQuery {
  targetType?: string | undefined;
  targetId?: string | undefined;
  actorId?: string | undefined;
  from?: Date | undefined;
  until?: Date | undefined;
  page: PageRequest;
}

/** Reads the audit log (R22), newest first. */
export class AuditQueries {
  constructor(private readonly orm: MikroORM) {}

  async list(call: CallContext, tenantId: string, query: AuditQuery): Promise<AuditEvent[]> {
    requireTenantAccess(call, tenantId, [Role.ADMIN, Role.SUPPORT, Role.SYSTEM]);
    const where: FilterQuery<AuditEvent> = { tenantId };
    if (query.targetType) where.targetType = query.targetType;
    if (query.targetId) where.targetId = query.targetId;
    if (query.actorId) where.actorId = query.actorId;
    if (query.from || query.until) {
      where.createdAt = {
        ...(query.from ? { $gte: query.from } : {}),
        ...(query.until ? { $lt: query.until } : {}),
      };
    }
    return this.orm.em.fork().find(AuditEventSchema, where, {
      orderBy: { createdAt: "desc", id: "desc" },
      offset: query.page.offset,
      limit: query.page.limit,
    });
  }
}
