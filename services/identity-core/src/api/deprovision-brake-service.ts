import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Interceptor, ServiceImpl } from "@connectrpc/connect";
import type { DeprovisionBrakeService } from "@cosafe/proto/identity";
import { callContextOf } from "@cosafe/rpc";
import { DeprovisionHeld } from "../domain/brake/brake-check.js";
import type { DeprovisionBrake } from "../domain/brake/deprovision-brake.js";
import { required } from "./required.js";

/** cosafe.identity.v1.DeprovisionBrakeService: support's view and controls of the brake (docs/adr/0012). */
export function deprovisionBrakeService(deps: {
  deprovisionBrake: DeprovisionBrake;
}): ServiceImpl<typeof DeprovisionBrakeService> {
  const brake = deps.deprovisionBrake;
  return {
    async getDeprovisionBrake(req, ctx) {
      const view = await brake.get(callContextOf(ctx), required(req.tenantId, "tenant_id"));
      return {
        settings: view.settings,
        recentCount: view.recent,
        limit: view.limit,
        heldCount: view.held,
        establishedUsers: view.established,
        ...(view.releasedUntil ? { releasedUntil: timestampFromDate(view.releasedUntil) } : {}),
      };
    },
    async updateDeprovisionBrake(req, ctx) {
      const settings = await brake.update(callContextOf(ctx), required(req.tenantId, "tenant_id"), {
        percent: req.settings?.percent ?? 0,
        minimum: req.settings?.minimum ?? 0,
        windowSeconds: req.settings?.windowSeconds ?? 0,
        youngUserSeconds: req.settings?.youngUserSeconds ?? 0,
      });
      return { settings };
    },
    async listHeldDeprovisions(req, ctx) {
      const page = await brake.listHeld(
        callContextOf(ctx),
        required(req.tenantId, "tenant_id"),
        req.pageSize,
        req.pageToken,
      );
      return {
        held: page.held.map((h) => ({
          ...h,
          firstSeen: timestampFromDate(h.firstSeen),
          lastSeen: timestampFromDate(h.lastSeen),
        })),
        nextPageToken: page.nextPageToken,
      };
    },
    async releaseHeldDeprovisions(req, ctx) {
      const r = await brake.release(
        callContextOf(ctx),
        required(req.tenantId, "tenant_id"),
        req.releaseForSeconds,
      );
      return {
        releasedCount: r.released,
        userCount: r.users,
        releasedUntil: timestampFromDate(r.releasedUntil),
      };
    },
    async discardHeldDeprovisions(req, ctx) {
      const r = await brake.discard(callContextOf(ctx), required(req.tenantId, "tenant_id"));
      return { discardedCount: r.discarded, userCount: r.users };
    },
  };
}

/**
 * Records a deprovisioning the brake refused, after its transaction rolled back (so the record
 * persists), then lets the refusal travel on to the error translation. Installed before it.
 */
export function heldDeprovisionInterceptor(brake: DeprovisionBrake): Interceptor {
  return (next) => async (req) => {
    try {
      return await next(req);
    } catch (error) {
      if (error instanceof DeprovisionHeld) await brake.recordHeld(error);
      throw error;
    }
  };
}
