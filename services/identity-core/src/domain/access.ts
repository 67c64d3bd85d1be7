import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { notFound, permissionDenied } from "./domain-error.js";

const roleNames: Record<Role, string> = {
  [Role.UNSPECIFIED]: "UNSPECIFIED",
  [Role.SCIM]: "SCIM",
  [Role.ADMIN]: "ADMIN",
  [Role.SUPPORT]: "SUPPORT",
  [Role.SYSTEM]: "SYSTEM",
};

/** Roles that act across all tenants. */
const crossTenantRoles = new Set([Role.SUPPORT, Role.SYSTEM]);

/** Refuses the call unless the actor's role is one of `allowed` (R21b). */
export function requireRole(call: CallContext, allowed: readonly Role[]): void {
  if (!allowed.includes(call.actor.role)) {
    throw permissionDenied(
      "ROLE_NOT_ALLOWED",
      `role ${roleNames[call.actor.role]} may not do this; needs one of ${allowed.map((r) => roleNames[r]).join(", ")}`,
    );
  }
}

/**
 * Refuses the call unless the actor may act on this tenant: support and system actors
 * on every tenant, SCIM tokens and administrators on their own only. Another tenant
 * answers exactly like a tenant that does not exist (R21).
 */
export function requireTenantAccess(call: CallContext, tenantId: string, allowed: readonly Role[]): void {
  requireRole(call, allowed);
  if (!crossTenantRoles.has(call.actor.role) && call.actor.tenantId !== tenantId) {
    throw notFound("TENANT_NOT_FOUND", `tenant ${tenantId} not found`);
  }
}

export { roleNames };
