import { intSetting, type Setting, urlSetting } from "@cosafe/config";
import type { Logger } from "@cosafe/logging";
import type { ServiceCredential } from "@cosafe/rpc";
import type { MikroORM } from "@mikro-orm/postgresql";
import { type SeatAuthority, UnmeteredSeats } from "../seats.js";
import { LicensingSeatLedger } from "./licensing-seat-ledger.js";
import { SeatReconciliation } from "./seat-reconciliation.js";
import { SeatReleaseOutbox } from "./seat-release-outbox.js";

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
  /**
   * Time an allocation may take on the request path, retries included. Kept well inside the
   * facade's 10 s deadline: the request rolls back and answers UNAVAILABLE before its caller
   * gives up, so a 503 never commits (docs/adr/0013-seat-release-outbox.md).
   */
  licensingTimeoutMs: intSetting("LICENSING_TIMEOUT_MS", { default: 3000, min: 100, max: 8000 }),
  /** Deadline of one seat release; what licensing does not confirm stays in the outbox. */
  seatReleaseTimeoutMs: intSetting("SEAT_RELEASE_TIMEOUT_MS", { default: 1000, min: 50, max: 8000 }),
  /** How often every replica looks at the seat-release outbox (R19; retries back off to 2 s). */
  seatReleaseDrainIntervalMs: intSetting("SEAT_RELEASE_DRAIN_INTERVAL_MS", {
    default: 1000,
    min: 100,
    max: 60_000,
  }),
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
  seatReleaseTimeoutMs: number;
  seatReleaseDrainIntervalMs: number;
  seatReconcileIntervalMs: number;
  seatReconcileGraceSeconds: number;
}

/**
 * The seat authority, the seat-release outbox over it (the ledger the domain uses) and the
 * reconciliation for a configuration: licensing when LICENSING_URL is set, otherwise
 * unmetered (logged at warn) and no reconciliation. `authority` overrides the configured one
 * (tests; no reconciliation then). The caller starts and stops the outbox and reconciliation.
 */
export function connectSeats(
  orm: MikroORM,
  logger: Logger,
  config: SeatConfig,
  authority?: SeatAuthority,
): { authority: SeatAuthority; seats: SeatReleaseOutbox; reconciliation: SeatReconciliation | undefined } {
  const outbox = (chosen: SeatAuthority) =>
    new SeatReleaseOutbox(orm, chosen, logger, { drainIntervalMs: config.seatReleaseDrainIntervalMs });
  if (authority) return { authority, seats: outbox(authority), reconciliation: undefined };
  if (!config.licensing) {
    logger.warn("seats are not metered: LICENSING_URL is not set");
    const unmetered = new UnmeteredSeats();
    return { authority: unmetered, seats: outbox(unmetered), reconciliation: undefined };
  }
  const licensing = LicensingSeatLedger.connect({
    ...config.licensing,
    allocateBudgetMs: config.licensingTimeoutMs,
    releaseTimeoutMs: config.seatReleaseTimeoutMs,
    logger,
  });
  const seats = outbox(licensing);
  const reconciliation = SeatReconciliation.connect(orm, seats, logger, {
    ...config.licensing,
    intervalMs: config.seatReconcileIntervalMs,
    gracePeriodSeconds: config.seatReconcileGraceSeconds,
  });
  return { authority: licensing, seats, reconciliation };
}
