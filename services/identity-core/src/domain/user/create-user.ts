import { randomUUID } from "node:crypto";
import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import type { MikroORM } from "@mikro-orm/postgresql";
import { AccountMembershipSchema, type User, UserSchema } from "../../storage/entities.js";
import { requireTenantAccess } from "../access.js";
import { recordAudit } from "../audit/record-audit.js";
import { recordChanges } from "../changes/record-changes.js";
import { invalidArgument } from "../domain-error.js";
import type { SeatLedger } from "../seats.js";
import { findTenant } from "../tenant/find-tenant.js";
import { deriveDisplayName } from "./display-name.js";
import { toE164 } from "./phone-number.js";
import { auditView } from "./user-audit-view.js";
import type { UserInput } from "./user-input.js";

export interface CreatedUser {
  user: User;
  /** What the provisioning log should tell the administrator (R1, R2). */
  notices: string[];
}

/**
 * Creates a user (R1, R3): SCIM-managed when the identity provider creates it, manual
 * otherwise; active at once unless created with active=false; placed in the tenant's
 * default account. User, account membership and audit event commit together; an
 * active user takes a seat first and gives it back if the transaction fails (R9).
 */
export class CreateUser {
  constructor(
    private readonly orm: MikroORM,
    private readonly seats: SeatLedger,
  ) {}

  async run(call: CallContext, tenantId: string, input: UserInput): Promise<CreatedUser> {
    requireTenantAccess(call, tenantId, [Role.SCIM, Role.ADMIN, Role.SUPPORT, Role.SYSTEM]);
    const userName = input.userName.trim();
    if (!userName) throw invalidArgument("USER_NAME_REQUIRED", "userName is required", { field: "userName" });
    const tenant = await findTenant(this.orm.em.fork(), tenantId);
    const { displayName, notice } = deriveDisplayName(input.displayName, input.name, userName);
    const notices = notice ? [notice] : [];
    const phoneNumbers = input.phoneNumbers.map((phone) => {
      const e164 = toE164(phone.value, tenant.defaultPhoneRegion);
      if (!e164) notices.push(`phone number "${phone.value}" could not be normalised to E.164; kept as sent`);
      return e164 ? { ...phone, e164 } : { ...phone };
    });
    const active = input.active ?? true;
    const id = randomUUID();
    const seatId = active ? await this.seats.allocate(tenantId, id) : null;
    try {
      const user = await this.orm.em.fork().transactional(async (em) => {
        const created = em.create(UserSchema, {
          id,
          tenantId,
          userName,
          displayName,
          externalId: input.externalId || null,
          title: input.title || null,
          active,
          nameFormatted: input.name.formatted || null,
          nameGivenName: input.name.givenName || null,
          nameFamilyName: input.name.familyName || null,
          emails: input.emails,
          phoneNumbers,
          managedBy: call.actor.role === Role.SCIM ? "SCIM" : "MANUAL",
          state: active ? "PROVISIONED" : "DEPROVISIONED",
          locale: input.locale || null,
          role: input.role ?? "MEMBER",
          customAttributes: input.customAttributes ?? {},
          seatId,
          deprovisionedAt: active ? null : new Date(),
          deprovisionReason: active ? null : "INACTIVE",
        });
        const accountId = tenant.defaultAccountId ?? tenant.mainAccountId;
        if (active && accountId) em.create(AccountMembershipSchema, { accountId, userId: id, tenantId });
        recordAudit(em, call, {
          tenantId,
          action: "user.created",
          targetType: "user",
          targetId: id,
          after: auditView(created),
        });
        await recordChanges(em, tenantId, [
          { type: active ? "USER_PROVISIONED" : "USER_UPDATED", userId: id },
        ]);
        return created;
      });
      return { user, notices };
    } catch (error) {
      if (seatId) await this.seats.release(tenantId, seatId);
      throw error;
    }
  }
}
