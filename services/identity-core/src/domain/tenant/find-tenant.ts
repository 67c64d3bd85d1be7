import { isUuid } from "@cosafe/storage";
import type { EntityManager } from "@mikro-orm/postgresql";
import { type Tenant, TenantSchema } from "../../storage/entities.js";
import { notFound } from "../domain-error.js";

/** Loads a tenant or fails with NOT_FOUND. */
export async function findTenant(em: EntityManager, tenantId: string): Promise<Tenant> {
  const tenant = isUuid(tenantId) ? await em.findOne(TenantSchema, { id: tenantId }) : null;
  if (!tenant) throw notFound("TENANT_NOT_FOUND", `tenant ${tenantId} not found`);
  return tenant;
}
