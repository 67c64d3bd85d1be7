import type { ServiceImpl } from "@connectrpc/connect";
import { Role, type SeatService } from "@cosafe/proto/identity";
import { callContextOf } from "@cosafe/rpc";
import { requireRole } from "../domain/access.js";
import { DomainError } from "../domain/domain-error.js";
import type { SeatReconciliation } from "../domain/seats/seat-reconciliation.js";

/** cosafe.identity.v1.SeatService: seat reconciliation on demand (R19). */
export function seatService(deps: {
  reconciliation: SeatReconciliation | undefined;
}): ServiceImpl<typeof SeatService> {
  return {
    async reconcileSeats(req, ctx) {
      requireRole(callContextOf(ctx), [Role.SUPPORT, Role.SYSTEM]);
      if (!deps.reconciliation) {
        throw new DomainError(
          "FAILED_PRECONDITION",
          "SEATS_UNMETERED",
          "licensing is not configured: seats are not metered",
        );
      }
      const report = await deps.reconciliation.run({ tenantId: req.tenantId || undefined, wait: true });
      if (!report)
        throw new DomainError(
          "UNAVAILABLE",
          "RECONCILIATION_BUSY",
          "another reconciliation is running; retry",
        );
      return {
        tenantCount: report.tenants,
        // Stray seats dropped past the grace period, and those of deprovisioned users (no grace).
        released: [...report.released, ...report.releasedKnown],
        granted: report.granted,
        reassigned: report.reassigned,
        overruns: report.overruns.map((o) => ({ ...o, seatId: "" })),
        failedTenantIds: report.failedTenants,
      };
    },
  };
}
