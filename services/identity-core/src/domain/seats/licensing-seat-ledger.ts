import { timestampFromDate } from "@bufbuild/protobuf/wkt";
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
import type { SeatAuthority } from "../seats.js";
import { GroupCommit, type Waiting } from "./group-commit.js";

interface Allocation {
  userId: string;
  notAfter: Date;
}

/** Most allocations one AllocateSeats call carries (licensing takes up to 1000). */
const maxBatch = 100;

export interface LicensingSeatLedgerOptions {
  /**
   * Time one allocation may take on the request path, retries included (default 3000 ms):
   * well inside the facade's deadline towards identity-core (10 s), so a request answers
   * UNAVAILABLE and rolls back before its caller gives up (issue 15).
   */
  allocateBudgetMs?: number;
  /** Deadline of one release attempt (default 1000 ms); the outbox retries. */
  releaseTimeoutMs?: number;
  /** Pause before retrying an allocation that failed fast (default 100 ms). */
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

const unavailable = () =>
  new DomainError(
    "UNAVAILABLE",
    "LICENSING_UNAVAILABLE",
    "the licensing service is unavailable; nothing was stored, retry later",
  );

/**
 * The seat authority backed by the licensing service (R9, docs/adr/0009-seat-ledger.md,
 * docs/adr/0013-seat-release-outbox.md). It acts as the SYSTEM actor with identity-core's own
 * service credential.
 *
 * allocate: a full licence is FAILED_PRECONDITION `LICENSE_LIMIT_REACHED` with licensing's
 * "N of M seats in use" message; licensing unreachable (or failing, or too slow for the
 * budget) is UNAVAILABLE `LICENSING_UNAVAILABLE`. Each call carries `not_after`, so licensing
 * takes no seat for an allocation its caller has given up on.
 *
 * release: one attempt with a short deadline; UNAVAILABLE when not confirmed, FAILED_PRECONDITION
 * RELEASE_REFUSED when licensing refused it (retrying would not help).
 */
export class LicensingSeatLedger implements SeatAuthority {
  private readonly headers = actorHeaders(systemActor("identity-core"));
  /** Allocations of one tenant in flight together leave as one call (docs/adr/0021). */
  private readonly groupCommit = new GroupCommit<Allocation, string>(
    (tenantId, batch) => this.allocateBatch(tenantId, batch),
    maxBatch,
  );
  readonly allocateBudgetMs: number;
  private readonly releaseTimeoutMs: number;
  private readonly backoffMs: number;

  constructor(
    private readonly client: Client<typeof LicenseService>,
    private readonly logger: Logger,
    options: LicensingSeatLedgerOptions = {},
  ) {
    this.allocateBudgetMs = Math.max(100, options.allocateBudgetMs ?? 3000);
    this.releaseTimeoutMs = Math.max(50, options.releaseTimeoutMs ?? 1000);
    this.backoffMs = options.backoffMs ?? 100;
  }

  /** A ledger calling licensing at `url` as `credential.service` (Connect over HTTP/2). */
  static connect(
    options: {
      url: string;
      credential: ServiceCredential;
      logger: Logger;
    } & LicensingSeatLedgerOptions,
  ): LicensingSeatLedger {
    const transport = createServiceTransport({
      baseUrl: options.url,
      credential: options.credential,
      timeoutMs: options.allocateBudgetMs ?? 3000,
    });
    return new LicensingSeatLedger(createClient(LicenseService, transport), options.logger, options);
  }

  /**
   * Allocations of one tenant that arrive while another is in flight leave together as one
   * AllocateSeats call (group commit, docs/adr/0021-seat-group-commit.md); a lone one goes at once.
   */
  async allocate(tenantId: string, userId: string, notAfter: Date): Promise<string> {
    return this.groupCommit.submit(tenantId, { userId, notAfter });
  }

  /**
   * One AllocateSeats call for the batch. It is all or nothing, so when it does not answer
   * every seat (the licence cannot hold them all, licensing is failing, or is an older version
   * without the call), each allocation is asked alone: exactly the free seats are filled (R9).
   */
  private async allocateBatch(tenantId: string, batch: Waiting<Allocation, string>[]): Promise<void> {
    if (batch.length > 1) {
      const notAfter = new Date(Math.min(...batch.map((w) => w.item.notAfter.getTime())));
      const remaining = notAfter.getTime() - Date.now();
      const seats =
        remaining > 0
          ? await this.client
              .allocateSeats(
                { tenantId, userIds: batch.map((w) => w.item.userId), notAfter: timestampFromDate(notAfter) },
                { headers: this.headers, timeoutMs: remaining },
              )
              .then(
                (response) => new Map(response.seats.map((seat) => [seat.userId, seat.id])),
                () => undefined,
              )
          : undefined;
      const ids = batch.map((w) => seats?.get(w.item.userId));
      if (ids.every((id) => id)) {
        batch.forEach((w, i) => {
          w.resolve(ids[i] as string);
        });
        return;
      }
    }
    await Promise.all(
      batch.map((w) => this.allocateOne(tenantId, w.item.userId, w.item.notAfter).then(w.resolve, w.reject)),
    );
  }

  private async allocateOne(tenantId: string, userId: string, notAfter: Date): Promise<string> {
    const request = { tenantId, userId, notAfter: timestampFromDate(notAfter) };
    for (let attempt = 1; ; attempt++) {
      const remaining = notAfter.getTime() - Date.now();
      if (remaining <= 0) throw unavailable();
      try {
        const { seat } = await this.client.allocateSeat(request, {
          headers: this.headers,
          timeoutMs: remaining,
        });
        if (!seat?.id) throw new ConnectError("licensing returned no seat", Code.Internal);
        return seat.id;
      } catch (cause) {
        const error = ConnectError.from(cause);
        if (error.code === Code.FailedPrecondition && reasonOf(error) === "LICENSE_LIMIT_REACHED") {
          throw new DomainError(
            "FAILED_PRECONDITION",
            "LICENSE_LIMIT_REACHED",
            error.rawMessage,
            errorMetadataOf(error),
          );
        }
        if (!transient.has(error.code)) throw error;
        // Allocations are idempotent per user: one that failed fast may be tried again within the budget.
        if (notAfter.getTime() - Date.now() < this.backoffMs * 2 || attempt >= 3) {
          this.logger.warn(
            { tenantId, userId, attempts: attempt, code: Code[error.code], err: error },
            "licensing unavailable: seat not allocated",
          );
          throw unavailable();
        }
        await sleep(this.backoffMs * attempt);
      }
    }
  }

  async release(
    tenantId: string,
    userId: string | null,
    seatId: string | null,
    grantedNotAfter?: Date | null,
  ): Promise<void> {
    const byUser = !seatId;
    try {
      await this.client.releaseSeat(
        {
          tenantId,
          seatId: seatId ?? "",
          userId: byUser ? (userId ?? "") : "",
          ...(byUser && grantedNotAfter ? { grantedNotAfter: timestampFromDate(grantedNotAfter) } : {}),
        },
        { headers: this.headers, timeoutMs: this.releaseTimeoutMs },
      );
    } catch (cause) {
      const error = ConnectError.from(cause);
      if (!transient.has(error.code))
        throw new DomainError(
          "FAILED_PRECONDITION",
          "RELEASE_REFUSED",
          `licensing refused the release: ${error.rawMessage}`,
        );
      throw new DomainError(
        "UNAVAILABLE",
        "LICENSING_UNAVAILABLE",
        `licensing did not confirm the release: ${Code[error.code]}`,
      );
    }
  }
}
