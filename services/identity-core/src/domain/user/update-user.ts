import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { isUuid } from "@cosafe/storage";
import { LockMode } from "@mikro-orm/core";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { type User, UserSchema } from "../../storage/entities.js";
import { deleteSeatReleasesOfUsers } from "../../storage/seat-release-queries.js";
import {
  type UserAudit,
  type UserChange,
  type UserWrite,
  updateUserRow,
  updateUserRowIfUnchanged,
} from "../../storage/user-write-sql.js";
import { requireTenantAccess } from "../access.js";
import { auditActorOf } from "../audit/record-audit.js";
import { decideBrake } from "../brake/brake-check.js";
import { DomainError, invalidArgument, notFound, throwIfAbandoned } from "../domain-error.js";
import type { DeprovisionReason, ReleasedSeat } from "../provisioning/deprovision-users.js";
import type { SeatLedger } from "../seats.js";
import { checkUserTexts } from "../text-limits.js";
import { deriveDisplayName } from "./display-name.js";
import { mergeOntoStored } from "./merge-update.js";
import { toE164 } from "./phone-number.js";
import { type ResolvedMask, resolveUserMask } from "./update-mask.js";
import { auditView, canonicalJson, changedFields } from "./user-audit-view.js";
import { mappedFields, scimNames, type UserFieldPath } from "./user-fields.js";
import type { UserInput } from "./user-input.js";
import { lockForWrite, readForWrite } from "./write-lock.js";

export interface UserUpdate {
  userId: string;
  input: UserInput;
  mask: readonly string[];
  etag?: string | undefined;
  overrideScimLock?: boolean | undefined;
  /** The user as the caller read it when it computed `input`: merged under the lock (issue 10). */
  base?: UserInput | undefined;
}

const writers = [Role.SCIM, Role.ADMIN, Role.SUPPORT, Role.SYSTEM] as const;

/** Loads a user of the tenant, row-locked, or fails with NOT_FOUND. */
export async function lockUser(em: EntityManager, tenantId: string, userId: string): Promise<User> {
  const user = isUuid(userId)
    ? await em.findOne(UserSchema, { id: userId, tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE })
    : null;
  if (!user) throw notFound("USER_NOT_FOUND", `user ${userId} not found`);
  return user;
}

export function assertUserEtag(user: User, etag: string | undefined): void {
  if (etag && etag !== String(user.version)) {
    throw new DomainError(
      "ABORTED",
      "ETAG_MISMATCH",
      `user ${user.id} has changed (version ${user.version}, not ${etag})`,
    );
  }
}

/**
 * Updates a user per update mask. By the identity provider: a manual user is adopted
 * first (R12); "*" replaces every synchronised attribute and clears omitted optional ones,
 * but an absent `active` leaves it unchanged (R4b). By an administrator: synchronised
 * attributes of a SCIM user are locked unless the override flag is set, which is audited
 * as a conflict (R6). `active` false deprovisions, true re-provisions with a new seat (R4).
 * One transaction under the user's row lock: concurrent writers to one user queue on it, and
 * an If-Match is compared with the version read under the lock. A re-activation allocates its
 * seat inside the transaction, so licensing unreachable rolls it back (UNAVAILABLE); a
 * deactivation commits and owes its seat's release to the outbox
 * (docs/adr/0013-seat-release-outbox.md).
 * Issue 10: the transaction sends one statement that locks (tenant, user, brake when it
 * applies) and one that writes the row with its audit and change events
 * (storage/user-write-sql.ts); a re-activation also drops the user's owed releases before it
 * allocates, an IdP deactivation of an established user reads the brake's counts. An update
 * that changes nothing writes nothing. An update that leaves `active` out is first tried
 * without the transaction: one read, one guarded write (`unlocked`).
 */
export class UpdateUser {
  constructor(
    private readonly orm: MikroORM,
    private readonly seats: SeatLedger,
  ) {}

  async run(
    call: CallContext,
    tenantId: string,
    update: UserUpdate,
    signal?: AbortSignal,
  ): Promise<{ user: User; notices: string[] }> {
    requireTenantAccess(call, tenantId, writers);
    const mask = resolveUserMask(update.mask);
    checkUserTexts(update.input, mask.fields);
    const wantsActive = mask.fields.has("active") ? update.input.active : undefined;
    const userId = update.userId.toLowerCase();
    const scim = call.actor.role === Role.SCIM;
    const unlocked = await this.unlocked(call, tenantId, userId, update, mask, signal);
    if (unlocked) return unlocked;
    const released: ReleasedSeat[] = [];
    let taken = null as string | null;
    try {
      const outcome = await this.orm.em.fork().transactional(async (em) => {
        const lock = await lockForWrite(em, call, tenantId, userId, wantsActive === false);
        const stored = lock.user;
        assertUserEtag(stored, update.etag);
        const draft = draftUpdate(call, stored, update, mask, lock.tenant.defaultPhoneRegion);
        const { user, audits, changes } = draft;
        let lifecycle: UserWrite["lifecycle"] = null;
        if (wantsActive === true && user.state === "DEPROVISIONED") {
          // Under the user's lock: drop releases still owed for it (the seat licensing hands
          // back may be the one they name), then take the seat before commit (R9).
          await deleteSeatReleasesOfUsers(em, tenantId, [user.id]);
          taken = await this.seats.allocate(tenantId, user.id);
          Object.assign(user, { active: true, state: "PROVISIONED", seatId: taken, deprovisionReason: null });
          lifecycle = { kind: "reprovision", defaultAccountId: lock.tenant.defaultAccountId };
          audits.push(reprovisioned);
          changes.push("USER_PROVISIONED");
        } else if (wantsActive === false && user.state === "PROVISIONED") {
          if (lock.brakeLocked) await decideBrake(em, call, tenantId, [user.id], [user.id], "INACTIVE");
          const reason = scim ? "INACTIVE" : "ADMIN";
          if (stored.seatId) released.push({ userId: user.id, seatId: stored.seatId });
          Object.assign(user, {
            active: false,
            state: "DEPROVISIONED",
            seatId: null,
            deprovisionReason: reason,
          });
          lifecycle = {
            kind: "deprovision",
            releasedSeatId: stored.seatId ?? null,
            countedByBrake: lock.brakeLocked,
          };
          audits.push(deprovisioned(reason));
          // Groups that lost a manual member changed too (their SCIM view and ETag, R10).
          changes.push("USER_DEPROVISIONED", "MEMBERSHIP_CHANGED");
        } else {
          explicitDeactivation(user, wantsActive);
        }
        if (!settleDraft(draft) && lifecycle === null) {
          throwIfAbandoned(signal);
          return { user: stored, notices: draft.notices };
        }
        const written = await updateUserRow(em, {
          user,
          version: stored.version,
          lifecycle,
          actor: auditActorOf(call),
          audits,
          changes,
        });
        throwIfAbandoned(signal);
        return { user: written, notices: draft.notices };
      });
      // Seats given up by a deactivation: owed in the outbox since the commit (the write's
      // own statement put them there), tried now.
      await this.seats.releaseOwed(
        tenantId,
        released.map((r) => r.seatId),
      );
      return outcome;
    } catch (error) {
      // A seat taken for a transaction that did not commit goes back (R9).
      if (taken) await this.seats.release(tenantId, taken, userId);
      throw error;
    }
  }

  /**
   * Issue 10: an update that does not touch `active` — an IdP PATCH or an admin edit of
   * attributes — is decided from an unlocked read and written by ONE autocommit statement at
   * the version read (`updateUserRowIfUnchanged`), with no transaction around them. Null when
   * the mask names `active` (a deactivation or re-activation, or a repeated active=true that
   * must wait for a deprovisioning in flight: those queue on the row lock), or when the row
   * moved (or SCIM was paused) between the read and the write: the caller then takes the
   * locked path, which merges concurrent writers and never answers ETAG_MISMATCH without an
   * etag. An If-Match that differs from the version read fails at once: versions only grow.
   */
  private async unlocked(
    call: CallContext,
    tenantId: string,
    userId: string,
    update: UserUpdate,
    mask: ResolvedMask,
    signal: AbortSignal | undefined,
  ): Promise<{ user: User; notices: string[] } | null> {
    if (mask.fields.has("active")) return null;
    const read = await readForWrite(this.orm.em, call, tenantId, userId);
    const stored = read.user;
    assertUserEtag(stored, update.etag);
    const draft = draftUpdate(call, stored, update, mask, read.tenant.defaultPhoneRegion);
    const writes = settleDraft(draft);
    throwIfAbandoned(signal);
    if (!writes) return { user: stored, notices: draft.notices };
    const written = await updateUserRowIfUnchanged(
      this.orm.em,
      {
        user: draft.user,
        version: stored.version,
        lifecycle: null,
        actor: auditActorOf(call),
        audits: draft.audits,
        changes: draft.changes,
      },
      call.actor.role === Role.SCIM,
    );
    return written ? { user: written, notices: draft.notices } : null;
  }
}

/** An update decided from the stored user, before its lifecycle step (R4) and its diff (R22). */
interface UpdateDraft {
  user: User;
  audits: UserAudit[];
  changes: UserChange[];
  /** Mapped attributes an administrator writes with the override flag (R6). */
  locked: UserFieldPath[];
  before: ReturnType<typeof auditView>;
  reasonBefore: User["deprovisionReason"];
  notices: string[];
}

/**
 * By the IdP a manual user is adopted first (R12); by anyone else mapped attributes of a SCIM
 * user are refused unless overridden (R6). Then the masked fields apply, merged onto the
 * stored user when the caller sent its `base`.
 */
function draftUpdate(
  call: CallContext,
  stored: User,
  update: UserUpdate,
  mask: ResolvedMask,
  phoneRegion: string | null | undefined,
): UpdateDraft {
  const user: User = { ...stored };
  const audits: UserAudit[] = [];
  const changes: UserChange[] = [];
  let locked: UserFieldPath[] = [];
  if (call.actor.role === Role.SCIM) {
    if (user.managedBy === "MANUAL") {
      // R12: adopted first, audited, then the write applies.
      user.managedBy = "SCIM";
      audits.push(adoption);
      changes.push("USER_UPDATED");
    }
  } else if (user.managedBy === "SCIM") {
    locked = mappedFields.filter((f) => mask.fields.has(f));
    if (locked.length > 0 && !update.overrideScimLock) {
      throw new DomainError(
        "FAILED_PRECONDITION",
        "SCIM_MAPPED_ATTRIBUTE",
        `${scimNames[locked[0] ?? "user_name"]} is synchronised from the identity provider for this user (managedBy SCIM): change it there, or set override_scim_lock`,
        { field: scimNames[locked[0] ?? "user_name"] },
      );
    }
  }
  const before = auditView(user);
  const reasonBefore = user.deprovisionReason;
  const input = update.base ? mergeOntoStored(user, update.input, update.base, mask) : update.input;
  const notices = applyFields(user, input, mask, phoneRegion);
  return { user, audits, changes, locked, before, reasonBefore, notices };
}

/** A deprovisioned user that the IdP now deactivates explicitly: a later group add must not bring it back (R4). */
function explicitDeactivation(user: User, wantsActive: boolean | undefined): void {
  if (wantsActive === false && user.deprovisionReason === "LAST_SCIM_GROUP_REMOVED") {
    user.deprovisionReason = "INACTIVE";
  }
}

/**
 * R22: only what changed is audited; a repeated identical write (Okta's PATCH active=true, a
 * PUT of the same values) changes nothing, keeps the etag and leaves no event. Adds the
 * update's own audit events; false when the draft has nothing to write.
 */
function settleDraft(draft: UpdateDraft): boolean {
  const { user, audits, changes } = draft;
  const changed = changedFields(draft.before, auditView(user));
  if (user.deprovisionReason !== draft.reasonBefore) {
    changed.before.deprovisionReason = draft.reasonBefore;
    changed.after.deprovisionReason = user.deprovisionReason;
  }
  const overridden = draft.locked.map((f) => scimNames[f]).filter((name) => name in changed.after);
  if (overridden.length > 0) {
    audits.push({
      action: "user.scim_lock_overridden",
      before: Object.fromEntries(overridden.map((name) => [name, changed.before[name]])),
      after: { fields: overridden },
    });
  }
  if (Object.keys(changed.after).length > 0) {
    audits.push({ action: "user.updated", before: changed.before, after: changed.after });
    changes.push("USER_UPDATED");
  }
  return audits.length > 0;
}

/** R12's audit event of an adoption. */
export const adoption: UserAudit = {
  action: "user.adopted",
  before: { managedBy: "MANUAL" },
  after: { managedBy: "SCIM" },
};

/** R4's audit event of a deprovisioning. */
export const deprovisioned = (reason: DeprovisionReason): UserAudit => ({
  action: "user.deprovisioned",
  before: { state: "PROVISIONED" },
  after: { state: "DEPROVISIONED", active: false, reason },
});

const reprovisioned: UserAudit = {
  action: "user.reprovisioned",
  before: { state: "DEPROVISIONED" },
  after: { state: "PROVISIONED", active: true },
};

/** Applies the masked fields to the user; returns notices for the provisioning log (R1, R2). */
function applyFields(
  user: User,
  input: UserInput,
  mask: ResolvedMask,
  phoneRegion: string | null | undefined,
): string[] {
  const { fields } = mask;
  const notices: string[] = [];
  if (fields.has("user_name")) {
    const userName = input.userName.trim();
    if (!userName) throw invalidArgument("USER_NAME_REQUIRED", "userName is required", { field: "userName" });
    user.userName = userName;
  }
  if (fields.has("name")) {
    if (mask.nameParts.has("formatted")) user.nameFormatted = input.name.formatted || null;
    if (mask.nameParts.has("given_name")) user.nameGivenName = input.name.givenName || null;
    if (mask.nameParts.has("family_name")) user.nameFamilyName = input.name.familyName || null;
  }
  if (fields.has("display_name")) {
    // Cleared or absent: derived again, from the name as it now stands (R1; Entra's null update).
    const derived = deriveDisplayName(
      input.displayName,
      { formatted: user.nameFormatted, givenName: user.nameGivenName, familyName: user.nameFamilyName },
      user.userName,
    );
    if (derived.notice) notices.push(derived.notice);
    user.displayName = derived.displayName;
  }
  if (fields.has("external_id")) user.externalId = input.externalId || null;
  if (fields.has("title")) user.title = input.title || null;
  if (fields.has("emails")) user.emails = sameOrNew(user.emails, input.emails);
  if (fields.has("phone_numbers")) {
    const phoneNumbers = input.phoneNumbers.map((phone) => {
      const e164 = toE164(phone.value, phoneRegion);
      if (!e164) notices.push(`phone number "${phone.value}" could not be normalised to E.164; kept as sent`);
      return e164 ? { ...phone, e164 } : { ...phone };
    });
    user.phoneNumbers = sameOrNew(user.phoneNumbers, phoneNumbers);
  }
  if (fields.has("locale")) user.locale = input.locale || null;
  if (fields.has("role")) user.role = input.role ?? "MEMBER";
  if (fields.has("custom_attributes"))
    user.customAttributes = sameOrNew(user.customAttributes, input.customAttributes ?? {});
  return notices;
}

/**
 * Keeps the stored JSON value when the new one is equal to it (jsonb returns keys in its own
 * order), so the update sees no change and the etag stays (R22, idempotent updates).
 */
function sameOrNew<T>(current: T, next: T): T {
  return canonicalJson(current) === canonicalJson(next) ? current : next;
}
