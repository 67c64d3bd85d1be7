import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import type { Logger } from "@cosafe/logging";
import { LicenseService } from "@cosafe/proto/licensing";
import {
  actorHeaders,
  createServiceTransport,
  errorMetadataOf,
  reasonOf,
  type ServiceCredential,
  systemActor,
} from "@cosafe/rpc";
import { DomainError } from "../domain-error.js";
import type { SeatLedger } from "../seats.js";

export interface LicensingSeatLedgerOptions {
  /** Allocation attempts when licensing is unreachable (allocations are idempotent per user). Default 2. */
  allocateAttempts?: number;
  /** Release attempts before giving up to reconciliation (R19). Default 4. */
  releaseAttempts?: number;
  /** First back-off between attempts, doubled each time. Default 100 ms. */
  backoffMs?: number;
}

/**
 * Codes after which a retry may succeed: licensing down, restarting (a killed server's
 * streams end in CANCEL), overloaded, cut off, or failing on its side.
 */
const transient = new Set([
  Code.Unavailable,
  Code.DeadlineExceeded,
  Code.Canceled,
  Code.Aborted,
  Code.Unknown,
  Code.Internal,
]);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function asConnectError(error: unknown): ConnectError {
  return ConnectError.from(error);
}

/**
 * The seat ledger backed by the licensing service (R9, docs/adr/0009-seat-ledger.md). It acts
 * as the SYSTEM actor with identity-core's own service credential.
 *
 * allocate: a full licence is FAILED_PRECONDITION `LICENSE_LIMIT_REACHED` with licensing's
 * "N of M seats in use" message; licensing unreachable (or failing) is UNAVAILABLE
 * `LICENSING_UNAVAILABLE`, so the caller stores nothing and the identity provider retries.
 *
 * release: retried with exponential back-off, never throws; what still fails is logged and
 * left to the reconciliation (R19). A release still being retried is dropped when the same
 * seat is handed back to its user by a new allocation (re-activation before the release got
 * through), so a late retry never takes a re-activated user's seat away on this replica.
 */
export class LicensingSeatLedger implements SeatLedger {
  private readonly headers = actorHeaders(systemActor("identity-core"));
  private readonly pendingReleases = new Map<string, { cancelled: boolean }>();
  private readonly allocateAttempts: number;
  private readonly releaseAttempts: number;
  private readonly backoffMs: number;

  constructor(
    private readonly client: Client<typeof LicenseService>,
    private readonly logger: Logger,
    options: LicensingSeatLedgerOptions = {},
  ) {
    this.allocateAttempts = Math.max(1, options.allocateAttempts ?? 2);
    this.releaseAttempts = Math.max(1, options.releaseAttempts ?? 4);
    this.backoffMs = options.backoffMs ?? 100;
  }

  /** A ledger calling licensing at `url` as `credential.service` (Connect over HTTP/2). */
  static connect(
    options: {
      url: string;
      credential: ServiceCredential;
      timeoutMs?: number;
      logger: Logger;
    } & LicensingSeatLedgerOptions,
  ): LicensingSeatLedger {
    const transport = createServiceTransport({
      baseUrl: options.url,
      credential: options.credential,
      timeoutMs: options.timeoutMs ?? 5000,
    });
    return new LicensingSeatLedger(createClient(LicenseService, transport), options.logger, options);
  }

  async allocate(tenantId: string, userId: string): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { seat } = await this.client.allocateSeat({ tenantId, userId }, { headers: this.headers });
        if (!seat?.id) throw new ConnectError("licensing returned no seat", Code.Internal);
        const pending = this.pendingReleases.get(seat.id);
        if (pending) pending.cancelled = true;
        return seat.id;
      } catch (cause) {
        const error = asConnectError(cause);
        if (error.code === Code.FailedPrecondition && reasonOf(error) === "LICENSE_LIMIT_REACHED") {
          throw new DomainError(
            "FAILED_PRECONDITION",
            "LICENSE_LIMIT_REACHED",
            error.rawMessage,
            errorMetadataOf(error),
          );
        }
        if (!transient.has(error.code)) throw error;
        if (attempt >= this.allocateAttempts) {
          this.logger.warn(
            { tenantId, userId, code: Code[error.code], err: error },
            "licensing unavailable: seat not allocated",
          );
          throw new DomainError(
            "UNAVAILABLE",
            "LICENSING_UNAVAILABLE",
            "the licensing service is unavailable; nothing was stored, retry later",
          );
        }
        await sleep(this.backoffMs * 2 ** (attempt - 1));
      }
    }
  }

  async release(tenantId: string, seatId: string): Promise<void> {
    const pending = { cancelled: false };
    this.pendingReleases.set(seatId, pending);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.client.releaseSeat({ tenantId, seatId }, { headers: this.headers });
          return;
        } catch (cause) {
          const error = asConnectError(cause);
          if (!transient.has(error.code) || attempt >= this.releaseAttempts) {
            this.logger.error(
              { tenantId, seatId, attempts: attempt, code: Code[error.code], err: error },
              "seat release failed; the seat reconciliation will release it (R19)",
            );
            return;
          }
          this.logger.warn(
            { tenantId, seatId, attempt, code: Code[error.code] },
            "seat release failed; retrying",
          );
          await sleep(this.backoffMs * 2 ** (attempt - 1));
          if (pending.cancelled) {
            this.logger.info({ tenantId, seatId }, "seat handed back to its user meanwhile; release dropped");
            return;
          }
        }
      }
    } finally {
      if (this.pendingReleases.get(seatId) === pending) this.pendingReleases.delete(seatId);
    }
  }
}
