/**
 * How identity-core reaches the seat authority (R9): the licensing service, or nothing
 * (`UnmeteredSeats`, tests and tools). One call each, no retries: retrying releases is the
 * seat-release outbox's job (docs/adr/0013-seat-release-outbox.md).
 */
export interface SeatAuthority {
  /**
   * Takes a seat for a user id generated beforehand and answers its id (null when
   * unmetered). Licensing takes nothing once `notAfter` has passed. Throws DomainError
   * FAILED_PRECONDITION LICENSE_LIMIT_REACHED, or UNAVAILABLE LICENSING_UNAVAILABLE when no
   * answer came (a seat may exist then: the caller hands it to the outbox by user id).
   */
  allocate(tenantId: string, userId: string, notAfter: Date): Promise<string | null>;
  /**
   * Releases a seat by id, or (seatId null) the seat the user holds — with `grantedNotAfter`,
   * only if it was granted no later. Throws DomainError UNAVAILABLE LICENSING_UNAVAILABLE when
   * licensing did not confirm it.
   */
  release(
    tenantId: string,
    userId: string | null,
    seatId: string | null,
    grantedNotAfter?: Date | null,
  ): Promise<void>;
  /** How long one allocation may take on the request path, answer included. */
  readonly allocateBudgetMs: number;
}

/**
 * The seam through which provisioning takes and returns seats (R9): allocation asks the
 * authority; a release is durable — written to the seat-release outbox and tried at once,
 * then retried until licensing confirms it. `SeatReleaseOutbox` implements it.
 */
export interface SeatLedger {
  /** Takes a seat for a user id generated beforehand; returns the seat id, or null when unmetered. */
  allocate(tenantId: string, userId: string): Promise<string | null>;
  /** Returns a seat by its id, durably. Never throws: what licensing does not confirm now is retried. */
  release(tenantId: string, seatId: string, userId?: string): Promise<void>;
  /** `release` for several seats at once (one outbox write, one drain). */
  releaseMany(
    tenantId: string,
    seats: readonly { seatId: string; userId?: string | undefined }[],
  ): Promise<void>;
  /**
   * Tries now the releases a committed transaction of the caller already wrote to the outbox
   * (a deprovisioning's own statement does). Never throws, like `release`.
   */
  releaseOwed(tenantId: string, seatIds: readonly string[]): Promise<void>;
}

export class UnmeteredSeats implements SeatAuthority {
  readonly allocateBudgetMs = 1000;

  async allocate(): Promise<string | null> {
    return null;
  }

  async release(): Promise<void> {}
}
