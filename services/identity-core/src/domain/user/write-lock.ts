import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { isUuid } from "@cosafe/storage";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { User } from "../../storage/entities.js";
import {
  type LockedTenant,
  lockUserForWrite,
  readUserForWrite,
  type UserLock,
} from "../../storage/user-write-sql.js";
import { defaultBrakeSettings, isBraked } from "../brake/brake-check.js";
import { notFound } from "../domain-error.js";
import { scimPaused } from "../scim-control/scim-pause.js";

export interface WriteLock {
  tenant: LockedTenant;
  user: User;
  /**
   * The tenant's brake lock is held: the write is an IdP deprovisioning of a provisioned,
   * established user, which decideBrake must pass before it is written (docs/adr/0012).
   */
  brakeLocked: boolean;
}

/**
 * The first statement of a user write (issue 10): the tenant key-share locked — an identity
 * provider's write is refused UNAVAILABLE SCIM_PAUSED while support has paused SCIM — and the
 * user row locked FOR UPDATE, or NOT_FOUND. `mayDeprovision`: the write deprovisions the user
 * if it is provisioned; by the IdP, the brake's lock is then taken in the same statement when
 * the user is established. Lock order: tenant, user, brake.
 */
export async function lockForWrite(
  em: EntityManager,
  call: CallContext,
  tenantId: string,
  userId: string,
  mayDeprovision: boolean,
): Promise<WriteLock> {
  const lock = await lockUserForWrite(em, {
    ...lockRequest(call, tenantId, userId),
    brake: mayDeprovision && isBraked(call) ? defaultBrakeSettings : undefined,
  });
  return lockedOrThrow(lock, tenantId, userId);
}

/**
 * The same rows as lockForWrite and the same refusals, read without a lock and without the
 * brake: for an update written only if the row is still at the version read (issue 10).
 */
export async function readForWrite(
  em: EntityManager,
  call: CallContext,
  tenantId: string,
  userId: string,
): Promise<WriteLock> {
  const read = await readUserForWrite(em, lockRequest(call, tenantId, userId));
  return lockedOrThrow(read, tenantId, userId);
}

/** What both statements look up; a tenant id that cannot name a tenant is NOT_FOUND at once. */
function lockRequest(call: CallContext, tenantId: string, userId: string) {
  if (!isUuid(tenantId)) throw notFound("TENANT_NOT_FOUND", `tenant ${tenantId} not found`);
  return {
    tenantId,
    userId: isUuid(userId) ? userId : null,
    refuseWhenPaused: call.actor.role === Role.SCIM,
  };
}

function lockedOrThrow(lock: UserLock, tenantId: string, userId: string): WriteLock {
  switch (lock.kind) {
    case "tenant-not-found":
      throw notFound("TENANT_NOT_FOUND", `tenant ${tenantId} not found`);
    case "scim-paused":
      throw scimPaused();
    case "user-not-found":
      throw notFound("USER_NOT_FOUND", `user ${userId} not found`);
    default:
      return { tenant: lock.tenant, user: lock.user, brakeLocked: lock.brakeLocked };
  }
}
