import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { isUuid } from "@cosafe/storage";
import type { EntityManager } from "@mikro-orm/postgresql";
import { type Tenant, TenantSchema } from "../../storage/entities.js";
import { DomainError, notFound } from "../domain-error.js";

/**
 * Loads the tenant of a write inside its transaction, key-share locked, and refuses an
 * identity provider's write while support has paused SCIM for the tenant (issue 7, issue 16):
 * UNAVAILABLE SCIM_PAUSED, which the facade answers 503. The facade refuses paused tokens
 * too, but only within its token cache's lifetime; this is the guarantee. The key-share lock
 * lets writes run in parallel, while PauseScim (FOR UPDATE on the tenant row) waits for the
 * writes in flight and later writes wait for it, so none slips past a committed pause.
 * Call it first in the transaction: tenant, then group, then users is the lock order.
 */
export async function tenantForWrite(
  em: EntityManager,
  call: CallContext,
  tenantId: string,
): Promise<Tenant> {
  const [row] = isUuid(tenantId)
    ? ((await em.execute("select * from identity.tenant where id = ? for key share", [tenantId])) as Record<
        string,
        unknown
      >[])
    : [];
  if (!row) throw notFound("TENANT_NOT_FOUND", `tenant ${tenantId} not found`);
  const tenant = em.map(TenantSchema, row);
  if (call.actor.role === Role.SCIM && tenant.scimPausedAt) throw scimPaused();
  return tenant;
}

/** The refusal of an identity provider's write while support has paused SCIM for the tenant. */
export const scimPaused = () =>
  new DomainError(
    "UNAVAILABLE",
    "SCIM_PAUSED",
    "SCIM provisioning of this tenant is paused by Cosafe support; retry later",
  );

/** The same check for a write that needs nothing of the tenant: costs nothing for other callers. */
export async function assertScimWritable(
  em: EntityManager,
  call: CallContext,
  tenantId: string,
): Promise<void> {
  if (call.actor.role === Role.SCIM) await tenantForWrite(em, call, tenantId);
}
