import { randomUUID } from "node:crypto";
import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import type { MikroORM } from "@mikro-orm/postgresql";
import { AccountSchema, type Tenant, TenantSchema } from "../../storage/entities.js";
import { requireRole, requireTenantAccess } from "../access.js";
import { findAccount } from "../account/find-account.js";
import { recordAudit } from "../audit/record-audit.js";
import { DomainError, invalidArgument } from "../domain-error.js";
import { phoneRegionOf } from "../user/phone-number.js";
import { findTenant } from "./find-tenant.js";

export interface TenantChange {
  displayName?: string | undefined;
  defaultAccountId?: string | undefined;
  deprovisionOnLastGroupRemoval?: boolean | undefined;
  /** ISO 3166-1 alpha-2 region, or "" for none. */
  defaultPhoneRegion?: string | undefined;
}

function tenantView(tenant: Tenant) {
  return {
    displayName: tenant.displayName,
    defaultAccountId: tenant.defaultAccountId,
    deprovisionOnLastGroupRemoval: tenant.deprovisionOnLastGroupRemoval,
    defaultPhoneRegion: tenant.defaultPhoneRegion ?? null,
  };
}

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

  /** Changes display_name and settings per mask (SUPPORT, or ADMIN of the tenant). */
  async update(
    call: CallContext,
    tenantId: string,
    change: TenantChange,
    mask: readonly string[],
    etag?: string,
  ) {
    requireTenantAccess(call, tenantId, [Role.SUPPORT, Role.SYSTEM, Role.ADMIN]);
    const allowed = [
      "display_name",
      "settings.default_account_id",
      "settings.deprovision_on_last_group_removal",
      "settings.default_phone_region",
    ];
    const unknown = mask.find((path) => !allowed.includes(path));
    if (unknown || mask.length === 0) {
      throw invalidArgument("UPDATE_MASK_INVALID", `update_mask must name some of ${allowed.join(", ")}`);
    }
    return this.orm.em.fork().transactional(async (em) => {
      const tenant = await findTenant(em, tenantId);
      if (etag && etag !== String(tenant.version)) {
        throw new DomainError("ABORTED", "ETAG_MISMATCH", `tenant ${tenantId} has changed`);
      }
      const before = tenantView(tenant);
      if (mask.includes("display_name")) {
        if (!change.displayName?.trim())
          throw invalidArgument("DISPLAY_NAME_REQUIRED", "a tenant needs a display_name");
        tenant.displayName = change.displayName.trim();
      }
      if (mask.includes("settings.default_account_id")) {
        const accountId = change.defaultAccountId || null;
        if (accountId) await findAccount(em, tenantId, accountId);
        tenant.defaultAccountId = accountId;
      }
      if (mask.includes("settings.deprovision_on_last_group_removal")) {
        tenant.deprovisionOnLastGroupRemoval = change.deprovisionOnLastGroupRemoval ?? true;
      }
      if (mask.includes("settings.default_phone_region")) {
        tenant.defaultPhoneRegion = phoneRegionOf(change.defaultPhoneRegion ?? "");
      }
      recordAudit(em, call, {
        tenantId,
        action: "tenant.updated",
        targetType: "tenant",
        targetId: tenantId,
        before,
        after: tenantView(tenant),
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
