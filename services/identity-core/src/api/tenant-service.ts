import type { ServiceImpl } from "@connectrpc/connect";
import type { TenantService } from "@cosafe/proto/identity";
import { callContextOf } from "@cosafe/rpc";
import { nextPageToken, pageRequest } from "../domain/page.js";
import type { ScimControl } from "../domain/scim-control/scim-control.js";
import type { TenantCommands } from "../domain/tenant/tenant-commands.js";
import { toTenantMessage } from "./convert/tenant-convert.js";
import { required } from "./required.js";

/** cosafe.identity.v1.TenantService. */
export function tenantService(deps: {
  tenants: TenantCommands;
  scimControl: ScimControl;
}): ServiceImpl<typeof TenantService> {
  return {
    async pauseScim(req, ctx) {
      const { tenant, changed } = await deps.scimControl.pause(callContextOf(ctx), req.tenantId, req.reason);
      return { tenant: toTenantMessage(tenant), changed };
    },
    async resumeScim(req, ctx) {
      const { tenant, changed } = await deps.scimControl.resume(callContextOf(ctx), req.tenantId);
      return { tenant: toTenantMessage(tenant), changed };
    },
    async disableScim(req, ctx) {
      return deps.scimControl.disableScim(callContextOf(ctx), req.tenantId);
    },
    async createTenant(req, ctx) {
      const tenant = await deps.tenants.create(callContextOf(ctx), {
        displayName: req.displayName,
        mainAccountDisplayName: req.mainAccountDisplayName,
      });
      return { tenant: toTenantMessage(tenant) };
    },
    async getTenant(req, ctx) {
      return { tenant: toTenantMessage(await deps.tenants.get(callContextOf(ctx), req.tenantId)) };
    },
    async listTenants(req, ctx) {
      const page = pageRequest({ ...req, skip: 0 }, { max: 1000, defaultSize: 100 });
      const [tenants, total] = await deps.tenants.list(callContextOf(ctx), page);
      return {
        tenants: tenants.map(toTenantMessage),
        totalSize: total,
        nextPageToken: nextPageToken(page, tenants.length, total),
      };
    },
    async updateTenant(req, ctx) {
      const input = required(req.tenant, "tenant");
      const tenant = await deps.tenants.update(
        callContextOf(ctx),
        input.id,
        {
          displayName: input.displayName,
          defaultAccountId: input.settings?.defaultAccountId,
          deprovisionOnLastGroupRemoval: input.settings?.deprovisionOnLastGroupRemoval,
          defaultPhoneRegion: input.settings?.defaultPhoneRegion,
        },
        req.updateMask?.paths ?? [],
        req.etag || undefined,
      );
      return { tenant: toTenantMessage(tenant) };
    },
  };
}
