import { randomUUID } from "node:crypto";
import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import type { MikroORM } from "@mikro-orm/postgresql";
import { AccountMembershipSchema, type User, UserSchema } from "../../storage/entities.js";
import { requireTenantAccess } from "../access.js";
import { recordAudit } from "../audit/record-audit.js";
import { recordChanges } from "../changes/record-changes.js";
import { invalidArgument, throwIfAbandoned } from "../domain-error.js";
import { assertScimWritable } from "../scim-control/scim-pause.js";
import type { SeatLedger } from "../seats.js";
import { findTenant } from "../tenant/find-tenant.js";
import { checkUserTexts } from "../text-limits.js";
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
 * active user takes its seat first, within a bounded budget, and nothing commits without
 * it: licensing unreachable answers UNAVAILABLE with nothing stored, and a seat taken for a
 * transaction that then fails is released through the outbox (R9,
 * docs/adr/0013-seat-release-outbox.md).
 * `signal` is the caller's: a caller that gave up makes the transaction roll back.
 */
export class CreateUser {
  constructor(
    private readonly orm: MikroORM,
    private readonly seats: SeatLedger,
  ) {}

  async run(
    call: CallContext,
    tenantId: string,
    input: UserInput,
    signal?: AbortSignal,
  ): Promise<CreatedUser> {
    requireTenantAccess(call, tenantId, [Role.SCIM, Role.ADMIN, Role.SUPPORT, Role.SYSTEM]);
    const userName = input.userName.trim();
    if (!userName) throw invalidArgument("USER_NAME_REQUIRED", "userName is required", { field: "userName" });
    checkUserTexts(input);
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
    let seatId = null as string | null;
    try {
      // The seat first, before a connection is held (the id is new: nothing to lock); the
      // transaction commits only with it, and only while the caller still waits.
      throwIfAbandoned(signal);
      if (active) seatId = await this.seats.allocate(tenantId, id);
      const user = await this.orm.em.fork().transactional(async (em) => {
        await assertScimWritable(em, call, tenantId);
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
          // The brake does not count the IdP's own young users (docs/adr/0012).
          idpCreatedAt: call.actor.role === Role.SCIM ? new Date() : null,
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
        await em.flush();
        throwIfAbandoned(signal);
        return created;
      });
      return { user, notices };
    } catch (error) {
      if (seatId) await this.seats.release(tenantId, seatId, id);
      throw error;
    }
  }
}
