import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { isUuid } from "@cosafe/storage";
import { LockMode } from "@mikro-orm/core";
import type { MikroORM } from "@mikro-orm/postgresql";
import { type License, LicenseSchema, LicensingAuditEventSchema } from "../storage/entities.js";
import { licenseErrors } from "./license-errors.js";

/** A tenant's licence as callers see it; a tenant without a row has a limit of 0. */
export interface LicenseView {
  tenantId: string;
  seatLimit: number;
  seatsInUse: number;
  etag: string;
  updatedAt: Date | undefined;
}

function view(tenantId: string, license: License | null): LicenseView {
  return {
    tenantId,
    seatLimit: license?.seatLimit ?? 0,
    seatsInUse: license?.seatsInUse ?? 0,
    etag: String(license?.version ?? 0),
    updatedAt: license?.updatedAt,
  };
}

function requireTenantRead(call: CallContext, tenantId: string): void {
  const { role } = call.actor;
  if (role === Role.SUPPORT || role === Role.SYSTEM) return;
  if (role === Role.ADMIN && call.actor.tenantId === tenantId) return;
  if (role === Role.ADMIN) throw licenseErrors.tenantNotFound(tenantId);
  throw licenseErrors.roleNotAllowed(Role[role]);
}

/** Seat limits (R9). Every change is audited in the same transaction (R19). */
export class LicenseCommands {
  constructor(private readonly orm: MikroORM) {}

  async get(call: CallContext, tenantId: string): Promise<LicenseView> {
    if (!isUuid(tenantId)) throw licenseErrors.invalidTenantId();
    requireTenantRead(call, tenantId);
    return view(tenantId, await this.orm.em.fork().findOne(LicenseSchema, { tenantId }));
  }

  /** Sets the limit; lowering it below the seats in use refuses new seats and takes none away. */
  async setSeatLimit(call: CallContext, tenantId: string, seatLimit: number): Promise<LicenseView> {
    if (call.actor.role !== Role.SUPPORT) throw licenseErrors.roleNotAllowed(Role[call.actor.role]);
    if (!isUuid(tenantId)) throw licenseErrors.invalidTenantId();
    if (!Number.isInteger(seatLimit) || seatLimit < 0 || seatLimit > 10_000_000)
      throw licenseErrors.invalidLimit();
    return this.orm.em.fork().transactional(async (em) => {
      // Upsert under a row lock, so concurrent limit changes serialise and each is audited with its true "before".
      await em
        .getConnection()
        .execute(
          "insert into licensing.license (tenant_id, seat_limit) values (?, 0) on conflict (tenant_id) do nothing",
          [tenantId],
        );
      const license = await em.findOneOrFail(
        LicenseSchema,
        { tenantId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      const before = license.seatLimit;
      license.seatLimit = seatLimit;
      em.create(LicensingAuditEventSchema, {
        tenantId,
        actorId: call.actor.id,
        actorRole: Role[call.actor.role],
        action: "license.seat_limit_set",
        before: { seatLimit: before },
        after: { seatLimit },
        requestId: call.requestId,
      });
      await em.flush();
      return view(tenantId, license);
    });
  }
}
