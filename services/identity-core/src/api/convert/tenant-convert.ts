import { create } from "@bufbuild/protobuf";
import { type Tenant as TenantMessage, TenantSchema as TenantMessageSchema } from "@cosafe/proto/identity";
import type { Tenant } from "../../storage/entities.js";
import { toTimestamp } from "./timestamps.js";

export function toTenantMessage(tenant: Tenant): TenantMessage {
  return create(TenantMessageSchema, {
    id: tenant.id,
    displayName: tenant.displayName,
    mainAccountId: tenant.mainAccountId ?? "",
    settings: {
      defaultAccountId: tenant.defaultAccountId ?? "",
      deprovisionOnLastGroupRemoval: tenant.deprovisionOnLastGroupRemoval,
      defaultPhoneRegion: tenant.defaultPhoneRegion ?? "",
    },
    etag: String(tenant.version),
    createTime: toTimestamp(tenant.createdAt),
    updateTime: toTimestamp(tenant.updatedAt),
    scimPause: tenant.scimPausedAt
      ? {
          pauseTime: toTimestamp(tenant.scimPausedAt),
          reason: tenant.scimPauseReason ?? "",
          pausedBy: tenant.scimPausedBy ?? "",
        }
      : undefined,
  });
}
