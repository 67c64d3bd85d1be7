import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import type { MikroORM } from "@mikro-orm/postgresql";
import { deleteUserRow, type UserAudit, type UserChange } from "../../storage/user-write-sql.js";
import { requireTenantAccess } from "../access.js";
import { auditActorOf } from "../audit/record-audit.js";
import { decideBrake } from "../brake/brake-check.js";
import type { ReleasedSeat } from "../provisioning/deprovision-users.js";
import type { SeatLedger } from "../seats.js";
import { adoption, assertUserEtag, deprovisioned } from "./update-user.js";
import { auditView } from "./user-audit-view.js";
import { lockForWrite } from "./write-lock.js";

/**
 * R5: deprovisions the user (if not already) and removes its record: later reads give
 * NOT_FOUND, the userName is free again, and audit events naming the old id stay. An
 * identity provider's delete adopts a manual user first (R12) and is braked like a
 * deactivation (docs/adr/0012, kind DELETE). Issue 10: one statement locks (tenant, user,
 * brake when it applies), one removes the row with the deprovisioning's outbox row, the audit
 * and the change events (storage/user-write-sql.ts).
 */
export class DeleteUser {
  constructor(
    private readonly orm: MikroORM,
    private readonly seats: SeatLedger,
  ) {}

  async run(call: CallContext, tenantId: string, userId: string, etag?: string): Promise<void> {
    requireTenantAccess(call, tenantId, [Role.SCIM, Role.ADMIN, Role.SUPPORT, Role.SYSTEM]);
    const scim = call.actor.role === Role.SCIM;
    const released = await this.orm.em.fork().transactional(async (em) => {
      const { user, brakeLocked } = await lockForWrite(em, call, tenantId, userId, true);
      assertUserEtag(user, etag);
      const audits: UserAudit[] = [];
      const changes: UserChange[] = [];
      if (scim && user.managedBy === "MANUAL") {
        audits.push(adoption);
        changes.push("USER_UPDATED");
      }
      const provisioned = user.state === "PROVISIONED";
      const seats: ReleasedSeat[] =
        provisioned && user.seatId ? [{ userId: user.id, seatId: user.seatId }] : [];
      if (provisioned) {
        if (brakeLocked) await decideBrake(em, call, tenantId, [user.id], [user.id], "DELETE");
        audits.push(deprovisioned(scim ? "INACTIVE" : "ADMIN"));
        changes.push("USER_DEPROVISIONED");
      }
      audits.push({ action: "user.deleted", before: auditView(user) });
      // Every group the user is in (dormant memberships too) loses a member (R22b, R25).
      changes.push("MEMBERSHIP_CHANGED", "USER_DELETED");
      await deleteUserRow(em, {
        user,
        deprovisioning: provisioned
          ? { kind: "deprovision", releasedSeatId: user.seatId ?? null, countedByBrake: brakeLocked }
          : null,
        actor: auditActorOf(call),
        audits,
        changes,
      });
      return seats;
    });
    // The seat's release is owed in the outbox since the commit (the delete's own statement
    // wrote it); tried now, retried until confirmed.
    await this.seats.releaseOwed(
      tenantId,
      released.map((r) => r.seatId),
    );
  }
}
