import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  LicenseSchema as LicenseMessageSchema,
  type LicenseService,
  SeatSchema as SeatMessageSchema,
} from "@cosafe/proto/licensing";
import { callContextOf } from "@cosafe/rpc";
import type { LicenseCommands, LicenseView } from "../domain/license-commands.js";
import type { SeatCommands, SeatView } from "../domain/seat-commands.js";

function toLicenseMessage(license: LicenseView) {
  return create(LicenseMessageSchema, {
    tenantId: license.tenantId,
    seatLimit: license.seatLimit,
    seatsInUse: license.seatsInUse,
    etag: license.etag,
    updateTime: license.updatedAt ? timestampFromDate(license.updatedAt) : undefined,
  });
}

function toSeatMessage(seat: SeatView) {
  return create(SeatMessageSchema, {
    id: seat.id,
    tenantId: seat.tenantId,
    userId: seat.userId,
    createTime: timestampFromDate(seat.createdAt),
  });
}

/** cosafe.licensing.v1.LicenseService: thin handlers over the licence and seat commands. */
export function licenseService(deps: {
  licenses: LicenseCommands;
  seats: SeatCommands;
}): ServiceImpl<typeof LicenseService> {
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
    async allocateSeat(req, ctx) {
      const notAfter = req.notAfter ? timestampDate(req.notAfter) : undefined;
      return {
        seat: toSeatMessage(
          await deps.seats.allocate(callContextOf(ctx), req.tenantId, req.userId, notAfter),
        ),
      };
    },
    async allocateSeats(req, ctx) {
      const notAfter = req.notAfter ? timestampDate(req.notAfter) : undefined;
      const seats = await deps.seats.allocateMany(callContextOf(ctx), req.tenantId, req.userIds, notAfter);
      return { seats: seats.map(toSeatMessage) };
    },
    async releaseSeat(req, ctx) {
      if (req.seatId === "" && req.userId !== "")
        await deps.seats.releaseOfUser(
          callContextOf(ctx),
          req.tenantId,
          req.userId,
          req.grantedNotAfter ? timestampDate(req.grantedNotAfter) : undefined,
        );
      else await deps.seats.release(callContextOf(ctx), req.tenantId, req.seatId);
      return {};
    },
    async listSeats(req, ctx) {
      const page = await deps.seats.list(callContextOf(ctx), req.tenantId, req);
      return {
        seats: page.seats.map(toSeatMessage),
        totalSize: page.total,
        nextPageToken: page.nextPageToken,
      };
    },
    async reconcileSeats(req, ctx) {
      const report = await deps.seats.reconcile(
        callContextOf(ctx),
        req.tenantId,
        req.provisionedUsers,
        req.gracePeriodSeconds,
      );
      return {
        releasedSeats: report.released.map(toSeatMessage),
        grantedSeats: report.granted.map(toSeatMessage),
        reassignedSeats: report.reassigned.map(toSeatMessage),
        overrunUserIds: report.overrunUserIds,
      };
    },
  };
}
