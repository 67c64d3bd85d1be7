import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import type { MikroORM } from "@mikro-orm/postgresql";
import { requireTenantAccess } from "../access.js";
import { recordAudit } from "../audit/record-audit.js";
import { recordChanges } from "../changes/record-changes.js";
import { deprovisionUsers } from "../provisioning/deprovision-users.js";
import { assertScimWritable } from "../scim-control/scim-pause.js";
import type { SeatLedger } from "../seats.js";
import { adoptUsers } from "./adopt-users.js";
import { assertUserEtag, lockUser } from "./update-user.js";
import { auditView } from "./user-audit-view.js";

/**
 * R5: deprovisions the user (if not already) and removes its record: later reads give
 * NOT_FOUND, the userName is free again, and audit events naming the old id stay. An
 * identity provider's delete adopts a manual user first (R12).
 */
export class DeleteUser {
  constructor(
    private readonly orm: MikroORM,
    private readonly seats: SeatLedger,
  ) {}

  async run(call: CallContext, tenantId: string, userId: string, etag?: string): Promise<void> {
    requireTenantAccess(call, tenantId, [Role.SCIM, Role.ADMIN, Role.SUPPORT, Role.SYSTEM]);
    const released = await this.orm.em.fork().transactional(async (em) => {
      await assertScimWritable(em, call, tenantId);
      const user = await lockUser(em, tenantId, userId);
      assertUserEtag(user, etag);
      if (call.actor.role === Role.SCIM && user.managedBy === "MANUAL")
        await adoptUsers(em, call, tenantId, [user.id]);
      const seats = await deprovisionUsers(
        em,
        call,
        tenantId,
        [user.id],
        call.actor.role === Role.SCIM ? "INACTIVE" : "ADMIN",
        "DELETE",
      );
      recordAudit(em, call, {
        tenantId,
        action: "user.deleted",
        targetType: "user",
        targetId: user.id,
        before: auditView(user),
      });
      await recordChanges(em, tenantId, [{ type: "USER_DELETED", userId: user.id }]);
      await em.execute("delete from identity.app_user where id = ?", [user.id]);
      em.getUnitOfWork().unsetIdentity(user);
      return seats;
    });
    // The seat's release is owed in the outbox since the commit; tried now, retried until confirmed.
    await this.seats.releaseMany(tenantId, released);
  }
}
