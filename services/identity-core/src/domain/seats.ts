/**
 * The seam through which provisioning takes and returns licence seats (R9). The
 * licensing issue wires it to the licensing service; `UnmeteredSeats` (no limit, no
 * seat ids) is what runs until then.
 */
export interface SeatLedger {
  /** Takes a seat for a user id generated beforehand; returns the seat id, or null when unmetered. */
  allocate(tenantId: string, userId: string): Promise<string | null>;
  /** Returns a seat by its id. Never throws: a failed release is repaired by reconciliation (R19). */
  release(tenantId: string, seatId: string): Promise<void>;
}

export class UnmeteredSeats implements SeatLedger {
  async allocate(): Promise<string | null> {
    return null;
  }

  async release(): Promise<void> {}
}
