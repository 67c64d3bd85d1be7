import type { SeatLedger } from "../seats.js";

/**
 * R9 saga: takes seats for users before a transaction (never while holding row locks),
 * runs the transaction, then gives back every seat the transaction did not keep — all of
 * them when it failed. Seats are keyed by user id, so a retried allocation is harmless.
 */
export async function withSeats<T>(
  seats: SeatLedger,
  tenantId: string,
  userIds: readonly string[],
  run: (taken: ReadonlyMap<string, string | null>) => Promise<{ result: T; kept: readonly string[] }>,
): Promise<T> {
  const taken = new Map<string, string | null>();
  try {
    for (let i = 0; i < userIds.length; i += 16) {
      const chunk = userIds.slice(i, i + 16);
      const seatIds = await Promise.all(chunk.map((id) => seats.allocate(tenantId, id)));
      for (const [n, id] of chunk.entries()) taken.set(id, seatIds[n] ?? null);
    }
  } catch (error) {
    await releaseAll(seats, tenantId, [...taken.values()]);
    throw error;
  }
  let outcome: { result: T; kept: readonly string[] };
  try {
    outcome = await run(taken);
  } catch (error) {
    await releaseAll(seats, tenantId, [...taken.values()]);
    throw error;
  }
  const kept = new Set(outcome.kept);
  await releaseAll(
    seats,
    tenantId,
    [...taken].filter(([userId]) => !kept.has(userId)).map(([, seatId]) => seatId),
  );
  return outcome.result;
}

/** Releases seats after a commit; the ledger never throws (reconciliation repairs failures, R19). */
export async function releaseAll(
  seats: SeatLedger,
  tenantId: string,
  seatIds: readonly (string | null)[],
): Promise<void> {
  await Promise.all(
    seatIds.filter((id): id is string => Boolean(id)).map((id) => seats.release(tenantId, id)),
  );
}
