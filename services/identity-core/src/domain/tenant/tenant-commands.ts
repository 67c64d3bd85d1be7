import { randomUUID } from "node:crypto";
import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { isUuid } from "@cosafe/storage";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { AccountSchema, type Tenant, TenantSchema } from "../../storage/entities.js";
import { requireRole, requireTenantAccess } from "../access.js";
import { recordAudit } from "../audit/record-audit.js";
import { invalidArgument, notFound } from "../domain-error.js";

export interface NewTenant {
  displayName: string;
  mainAccountDisplayName?: string;
}

/** Tenants and their settings. */
export class TenantCommands {
  constructor(private readonly orm: MikroORM) {}

  /** Creates a tenant and its main account in one transaction, audited. */
  async create(call: CallContext, input: NewTenant): Promise<Tenant> {
    requireRole(call, [Role.SUPPORT, Role.SYSTEM]);
    const displayName = input.displayName.trim();
    if (!displayName) throw invalidArgument("DISPLAY_NAME_REQUIRED", "a tenant needs a display_name");
    return this.orm.em.fork().transactional(async (em) => {
      const tenant = em.create(TenantSchema, {
        id: randomUUID(),
        displayName,
        deprovisionOnLastGroupRemoval: true,
      });
      await em.flush();
      const account = em.create(AccountSchema, {
        id: randomUUID(),
        tenantId: tenant.id,
        displayName: input.mainAccountDisplayName?.trim() || displayName,
      });
      await em.flush();
      tenant.mainAccountId = account.id;
      recordAudit(em, call, {
        tenantId: tenant.id,
        action: "tenant.created",
        targetType: "tenant",
        targetId: tenant.id,
        after: { displayName, mainAccountId: account.id },
      });
      return tenant;
    });
  }

  async get(call: CallContext, tenantId: string): Promise<Tenant> {
    requireTenantAccess(call, tenantId, [Role.SUPPORT, Role.SYSTEM, Role.ADMIN, Role.SCIM]);
    return findTenant(this.orm.em.fork(), tenantId);
  }

  async list(call: CallContext, page: { offset: number; limit: number }): Promise<[Tenant[], number]> {
    requireRole(call, [Role.SUPPORT, Role.SYSTEM]);
    return this.orm.em
      .fork()
      .findAndCount(
        TenantSchema,
        {},
        { orderBy: { createdAt: "asc", id: "asc" }, offset: page.offset, limit: page.limit },
      );
  }
}

/** Loads a tenant or fails with NOT_FOUND. */
export async function findTenant(em: EntityManager, tenantId: string): Promise<Tenant> {
  const tenant = isUuid(tenantId) ? await em.findOne(TenantSchema, { id: tenantId }) : null;
  if (!tenant) throw notFound("TENANT_NOT_FOUND", `tenant ${tenantId} not found`);
  return tenant;
}
