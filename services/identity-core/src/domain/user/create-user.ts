import { randomUUID } from "node:crypto";
import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { isUuid } from "@cosafe/storage";
import type { MikroORM } from "@mikro-orm/postgresql";
import type { User } from "../../storage/entities.js";
import { insertUser, type NewUserRow } from "../../storage/user-create-sql.js";
import { requireTenantAccess } from "../access.js";
import { auditActorOf } from "../audit/record-audit.js";
import { invalidArgument, notFound, throwIfAbandoned } from "../domain-error.js";
import { scimPaused } from "../scim-control/scim-pause.js";
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

const tenantNotFound = (tenantId: string) => notFound("TENANT_NOT_FOUND", `tenant ${tenantId} not found`);

/**
 * Creates a user (R1, R3): SCIM-managed when the identity provider creates it, manual
 * otherwise; active at once unless created with active=false; placed in the tenant's
 * default account. User, account membership, audit event and change event are written by
 * ONE autocommit statement (storage/user-create-sql.ts, issue 10); an active user takes its
 * seat first, within a bounded budget, and nothing is written without it: licensing
 * unreachable answers UNAVAILABLE with nothing stored, and a seat taken for a write that then
 * fails is released through the outbox (R9, docs/adr/0013-seat-release-outbox.md).
 * `signal` is the caller's: a caller that gave up before the write gets nothing written.
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
    if (!isUuid(tenantId)) throw tenantNotFound(tenantId);
    const scim = call.actor.role === Role.SCIM;
    // The tenant is read first only when the create needs it before the write: phone numbers
    // are normalised in its region, and a caller other than the IdP (whose token names an
    // existing tenant) learns of an unknown tenant before a seat is taken for it.
    const tenant =
      !scim || input.phoneNumbers.length > 0 ? await findTenant(this.orm.em.fork(), tenantId) : undefined;
    const { displayName, notice } = deriveDisplayName(input.displayName, input.name, userName);
    const notices = notice ? [notice] : [];
    const phoneNumbers = input.phoneNumbers.map((phone) => {
      const e164 = toE164(phone.value, tenant?.defaultPhoneRegion);
      if (!e164) notices.push(`phone number "${phone.value}" could not be normalised to E.164; kept as sent`);
      return e164 ? { ...phone, e164 } : { ...phone };
    });
    const active = input.active ?? true;
    const row: NewUserRow = {
      id: randomUUID(),
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
      managedBy: scim ? "SCIM" : "MANUAL",
      state: active ? "PROVISIONED" : "DEPROVISIONED",
      locale: input.locale || null,
      role: input.role ?? "MEMBER",
      customAttributes: input.customAttributes ?? {},
      seatId: null,
      deprovisionReason: active ? null : "INACTIVE",
    };
    try {
      // The seat first (the id is new: nothing to lock); the write happens only with it, and
      // only while the caller still waits.
      throwIfAbandoned(signal);
      if (active) row.seatId = await this.seats.allocate(tenantId, row.id);
      throwIfAbandoned(signal);
      const outcome = await insertUser(this.orm, {
        user: row,
        refuseWhenPaused: scim,
        idpCreated: scim,
        audit: { ...auditActorOf(call), after: auditView(row) },
        changeType: active ? "USER_PROVISIONED" : "USER_UPDATED",
      });
      if (outcome.kind === "tenant-not-found") throw tenantNotFound(tenantId);
      if (outcome.kind === "scim-paused") throw scimPaused();
      return { user: outcome.user, notices };
    } catch (error) {
      if (row.seatId) await this.seats.release(tenantId, row.seatId, row.id);
      throw error;
    }
  }
}
