import { randomUUID } from "node:crypto";
import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import type { MikroORM } from "@mikro-orm/postgresql";
import { InvitationSchema, type User } from "../../storage/entities.js";
import { requireTenantAccess } from "../access.js";
import { recordAudit } from "../audit/record-audit.js";
import { DomainError } from "../domain-error.js";
import type { InvitationNotifier } from "./invitation-notifier.js";
import { lockUser } from "./update-user.js";

function defaultEmail(user: User): string | undefined {
  const primary = user.emails.find((e) => e.primary)?.value ?? user.emails[0]?.value;
  if (primary) return primary;
  return /^[^@\s]+@[^@\s]+$/.test(user.userName) ? user.userName : undefined;
}

/**
 * R3: SCIM never sends invitations by itself; an administrator invites explicitly. The
 * invitation and its audit event commit together, then the notifier delivers it.
 */
export class InviteUser {
  constructor(
    private readonly orm: MikroORM,
    private readonly notifier: InvitationNotifier,
  ) {}

  async run(call: CallContext, tenantId: string, userId: string, email?: string) {
    requireTenantAccess(call, tenantId, [Role.ADMIN, Role.SUPPORT, Role.SYSTEM]);
    const invitation = await this.orm.em.fork().transactional(async (em) => {
      const user = await lockUser(em, tenantId, userId);
      if (user.state !== "PROVISIONED") {
        throw new DomainError(
          "FAILED_PRECONDITION",
          "USER_DEPROVISIONED",
          `user ${userId} is deprovisioned and cannot sign in`,
        );
      }
      const address = email?.trim() || defaultEmail(user);
      if (!address) {
        throw new DomainError(
          "FAILED_PRECONDITION",
          "NO_EMAIL_ADDRESS",
          `user ${userId} has no email address to invite`,
        );
      }
      const created = em.create(InvitationSchema, {
        id: randomUUID(),
        tenantId,
        userId,
        email: address,
        invitedBy: call.actor.id,
      });
      recordAudit(em, call, {
        tenantId,
        action: "user.invited",
        targetType: "user",
        targetId: userId,
        after: { invitationId: created.id, email: address },
      });
      return created;
    });
    await this.notifier.send({ invitationId: invitation.id, tenantId, userId, email: invitation.email });
    return invitation;
  }
}
