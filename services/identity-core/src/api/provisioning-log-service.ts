import { create } from "@bufbuild/protobuf";
import type { Duration } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type ProvisioningEntry,
  ProvisioningEntrySchema,
  type ProvisioningLogService,
  ProvisioningOutcome,
} from "@cosafe/proto/identity";
import { callContextOf } from "@cosafe/rpc";
import { invalidArgument } from "../domain/domain-error.js";
import type {
  ProvisioningEntryInput,
  ProvisioningEntryRecord,
  ProvisioningOutcomeName,
} from "../domain/provisioning-log/provisioning-entry.js";
import type { ProvisioningLog } from "../domain/provisioning-log/provisioning-log.js";
import { fromTimestamp, toTimestamp } from "./convert/timestamps.js";

const outcomeNames: Partial<Record<ProvisioningOutcome, ProvisioningOutcomeName>> = {
  [ProvisioningOutcome.SUCCESS]: "SUCCESS",
  [ProvisioningOutcome.CLIENT_ERROR]: "CLIENT_ERROR",
  [ProvisioningOutcome.LICENSE_REFUSED]: "LICENSE_REFUSED",
  [ProvisioningOutcome.SERVER_ERROR]: "SERVER_ERROR",
  [ProvisioningOutcome.UNAUTHENTICATED]: "UNAUTHENTICATED",
};

const durationUs = (duration: Duration | undefined): number =>
  duration ? Number(duration.seconds) * 1_000_000 + Math.trunc(duration.nanos / 1000) : 0;

const toDuration = (us: number) => ({
  seconds: BigInt(Math.floor(us / 1_000_000)),
  nanos: (us % 1_000_000) * 1000,
});

function toInput(entry: ProvisioningEntry): ProvisioningEntryInput {
  return {
    id: entry.id,
    tenantId: entry.tenantId,
    tokenId: entry.tokenId,
    requestId: entry.requestId,
    time: fromTimestamp(entry.time),
    method: entry.method,
    path: entry.path,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId,
    userName: entry.userName,
    externalId: entry.externalId,
    outcome: outcomeNames[entry.outcome],
    status: entry.status,
    scimType: entry.scimType,
    detail: entry.detail,
    ignoredAttributes: entry.ignoredAttributes,
    durationUs: durationUs(entry.duration),
  };
}

function toMessage(entry: ProvisioningEntryRecord): ProvisioningEntry {
  return create(ProvisioningEntrySchema, {
    ...entry,
    time: toTimestamp(entry.time),
    outcome: ProvisioningOutcome[entry.outcome],
    duration: toDuration(entry.durationUs),
  });
}

/** cosafe.identity.v1.ProvisioningLogService (R20). */
export function provisioningLogService(deps: {
  provisioningLog: ProvisioningLog;
}): ServiceImpl<typeof ProvisioningLogService> {
  return {
    async recordProvisioningEntries(req, ctx) {
      const recordedCount = await deps.provisioningLog.record(callContextOf(ctx), req.entries.map(toInput));
      return { recordedCount };
    },

    async listProvisioningEntries(req, ctx) {
      const outcomes = req.outcomes.map((outcome) => {
        const name = outcomeNames[outcome];
        if (!name) throw invalidArgument("OUTCOME_INVALID", `outcome ${outcome} is not a known outcome`);
        return name;
      });
      const page = await deps.provisioningLog.list(callContextOf(ctx), req.tenantId, {
        from: fromTimestamp(req.startTime),
        until: fromTimestamp(req.endTime),
        outcomes,
        resourceId: req.resourceId || undefined,
        userName: req.userName || undefined,
        externalId: req.externalId || undefined,
        pageSize: req.pageSize,
        pageToken: req.pageToken,
      });
      return { entries: page.entries.map(toMessage), nextPageToken: page.nextPageToken };
    },
  };
}
