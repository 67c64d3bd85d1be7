import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { LicenseSchema as LicenseMessageSchema, type LicenseService } from "@cosafe/proto/licensing";
import { callContextOf } from "@cosafe/rpc";
import type { LicenseCommands, LicenseView } from "../domain/license-commands.js";

function toLicenseMessage(license: LicenseView) {
  return create(LicenseMessageSchema, {
    tenantId: license.tenantId,
    seatLimit: license.seatLimit,
    seatsInUse: license.seatsInUse,
    etag: license.etag,
    updateTime: license.updatedAt ? timestampFromDate(license.updatedAt) : undefined,
  });
}

/** cosafe.licensing.v1.LicenseService. Seat allocation RPCs answer UNIMPLEMENTED until the licensing issue lands. */
export function licenseService(deps: {
  licenses: LicenseCommands;
}): Partial<ServiceImpl<typeof LicenseService>> {
  return {
    async getLicense(req, ctx) {
      return { license: toLicenseMessage(await deps.licenses.get(callContextOf(ctx), req.tenantId)) };
    },
    async setSeatLimit(req, ctx) {
      return {
        license: toLicenseMessage(
          await deps.licenses.setSeatLimit(callContextOf(ctx), req.tenantId, req.seatLimit),
        ),
      };
    },
  };
}
