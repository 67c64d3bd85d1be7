import { intSetting, type Setting, urlSetting } from "@cosafe/config";
import type { Logger } from "@cosafe/logging";
import type { ServiceCredential } from "@cosafe/rpc";
import type { MikroORM } from "@mikro-orm/postgresql";
import { type SeatLedger, UnmeteredSeats } from "../seats.js";
import { LicensingSeatLedger } from "./licensing-seat-ledger.js";
import { SeatReconciliation } from "./seat-reconciliation.js";

/** Where identity-core reaches licensing, and as whom. */
export interface LicensingTarget {
  url: string;
  credential: ServiceCredential;
}

/**
 * LICENSING_URL with identity-core's own credential towards it: COSAFE_SERVICE_NAME (default
 * identity-core) and COSAFE_SERVICE_SECRET, which licensing lists in its
 * COSAFE_SERVICE_CREDENTIALS. Unset URL: seats are not metered (tests and tools only).
 */
function licensingSetting(): Setting<LicensingTarget | undefined> {
  const url = urlSetting("LICENSING_URL", { protocols: ["http", "https"] });
  return {
    read(env) {
      if (!env.LICENSING_URL?.trim()) return { value: undefined };
      const parsed = url.read(env);
      if ("problem" in parsed) return parsed;
      const secret = env.COSAFE_SERVICE_SECRET?.trim();
      if (!secret)
        return {
          problem:
            "COSAFE_SERVICE_SECRET is required when LICENSING_URL is set (identity-core's credential towards licensing)",
        };
      const service = env.COSAFE_SERVICE_NAME?.trim() || "identity-core";
      return { value: { url: parsed.value, credential: { service, secret } } };
    },
  };
}

/** identity-core's seat settings (R9, R19); spread into its configuration spec. */
export const seatSettings = {
  licensing: licensingSetting(),
  /** Deadline of one call to licensing on the request path. */
  licensingTimeoutMs: intSetting("LICENSING_TIMEOUT_MS", { default: 5000, min: 100, max: 60_000 }),
  /** Time between two seat reconciliations (R19). */
  seatReconcileIntervalMs: intSetting("SEAT_RECONCILE_INTERVAL_MS", {
    default: 300_000,
    min: 1000,
    max: 86_400_000,
  }),
  /** Seats younger than this are left to the requests that took them. */
  seatReconcileGraceSeconds: intSetting("SEAT_RECONCILE_GRACE_SECONDS", {
    default: 600,
    min: 0,
    max: 86_400,
  }),
};

export interface SeatConfig {
  licensing: LicensingTarget | undefined;
  licensingTimeoutMs: number;
  seatReconcileIntervalMs: number;
  seatReconcileGraceSeconds: number;
}

/**
 * The seat ledger and reconciliation for a configuration: backed by the licensing service
 * when LICENSING_URL is set, otherwise unmetered (logged at warn) and no reconciliation.
 * The caller starts and stops the reconciliation with the service.
 */
export function connectSeats(
  orm: MikroORM,
  logger: Logger,
  config: SeatConfig,
): { seats: SeatLedger; reconciliation: SeatReconciliation | undefined } {
  if (!config.licensing) {
    logger.warn("seats are not metered: LICENSING_URL is not set");
    return { seats: new UnmeteredSeats(), reconciliation: undefined };
  }
  const seats = LicensingSeatLedger.connect({
    ...config.licensing,
    timeoutMs: config.licensingTimeoutMs,
    logger,
  });
  const reconciliation = SeatReconciliation.connect(orm, seats, logger, {
    ...config.licensing,
    intervalMs: config.seatReconcileIntervalMs,
    gracePeriodSeconds: config.seatReconcileGraceSeconds,
  });
  return { seats, reconciliation };
}
