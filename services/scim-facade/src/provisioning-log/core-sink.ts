import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import type { Logger } from "@cosafe/logging";
import { type ProvisioningEntry, ProvisioningLogService } from "@cosafe/proto/identity";
import { actorHeaders, systemActor } from "@cosafe/rpc";
import {
  ProvisioningLogBatcher,
  type ProvisioningLogBatcherOptions,
  type ProvisioningLogSink,
} from "./batcher.js";

/** Sends batches to identity-core's RecordProvisioningEntries as the facade's SYSTEM actor. */
export function coreProvisioningLogSink(options: {
  transport: Transport;
  serviceName: string;
  /** Deadline per call (default 5 s), so a hung core cannot stall shutdown for long. */
  timeoutMs?: number;
}): ProvisioningLogSink<ProvisioningEntry> {
  const client = createClient(ProvisioningLogService, options.transport);
  const headers = actorHeaders(systemActor(options.serviceName));
  const timeoutMs = options.timeoutMs ?? 5000;
  return {
    async record(entries) {
      await client.recordProvisioningEntries({ entries }, { headers, timeoutMs });
    },
  };
}

const permanent = new Set([
  Code.InvalidArgument,
  Code.PermissionDenied,
  Code.Unauthenticated,
  Code.Unimplemented,
  Code.FailedPrecondition,
  Code.OutOfRange,
]);

/** A refused batch stays refused; only transport trouble and server hiccups are retried. */
export function isRetryableDelivery(error: unknown): boolean {
  return !(error instanceof ConnectError && permanent.has(error.code));
}

/** The production batcher: identity-core as sink, permanent refusals not retried. */
export function createProvisioningLogBatcher(
  options: { transport: Transport; serviceName: string; logger: Logger } & Omit<
    ProvisioningLogBatcherOptions<ProvisioningEntry>,
    "sink" | "logger" | "isRetryable"
  >,
): ProvisioningLogBatcher<ProvisioningEntry> {
  const { transport, serviceName, ...batcherOptions } = options;
  return new ProvisioningLogBatcher({
    ...batcherOptions,
    sink: coreProvisioningLogSink({ transport, serviceName }),
    isRetryable: isRetryableDelivery,
  });
}
