import type { MikroORM } from "@mikro-orm/postgresql";
import { pgArray } from "../../storage/sql/pg-array.js";
import type { SeatLedger } from "../seats.js";

/** Of the given seat ids, those a user of the tenant stores right now — seats in use, never to be released. */
export type SeatsInUse = (tenantId: string, seatIds: readonly string[]) => Promise<ReadonlySet<string>>;

/**
 * Reads, after commit, which seat ids are stored on users. The ledger hands a user the seat
 * it already holds when asked again (allocation is idempotent per user, R9), so a seat taken
 * "in vain" by one request may be the very seat a concurrent request just stored on the user:
 * releasing it would leave a provisioned user without a seat (R19).
 */
export function storedSeats(orm: MikroORM): SeatsInUse {
  return async (tenantId, seatIds) => {
    if (seatIds.length === 0) return new Set();
    const rows = (await orm.em
      .fork()
      .getConnection()
      .execute("select seat_id from identity.app_user where tenant_id = ? and seat_id = any(?::uuid[])", [
        tenantId,
        pgArray(seatIds),
      ])) as { seat_id: string }[];
    return new Set(rows.map((r) => r.seat_id.toLowerCase()));
  };
}

/**
 * R9 saga: takes seats for users before a transaction (never while holding row locks),
 * runs the transaction, then gives back every seat the transaction did not keep — all of
 * them when it failed — except seats a user stores by then (`inUse`: a concurrent request
 * stored the same seat). Seats are keyed by user id, so a retried allocation is harmless.
 */
export async function withSeats<T>(
  seats: SeatLedger,
  tenantId: string,
  userIds: readonly string[],
  run: (taken: ReadonlyMap<string, string | null>) => Promise<{ result: T; kept: readonly string[] }>,
  inUse?: SeatsInUse,
): Promise<T> {
  const taken = new Map<string, string | null>();
  try {
    for (let i = 0; i < userIds.length; i += 16) {
      const chunk = userIds.slice(i, i + 16);
      const seatIds = await Promise.all(chunk.map((id) => seats.allocate(tenantId, id)));
      for (const [n, id] of chunk.entries()) taken.set(id, seatIds[n] ?? null);
    }
  } catch (error) {
    await releaseUnused(seats, tenantId, [...taken.values()], inUse);
    throw error;
  }
  let outcome: { result: T; kept: readonly string[] };
  try {
    outcome = await run(taken);
  } catch (error) {
    await releaseUnused(seats, tenantId, [...taken.values()], inUse);
    throw error;
  }
  const kept = new Set(outcome.kept.map((id) => id.toLowerCase()));
  await releaseUnused(
    seats,
    tenantId,
    [...taken].filter(([userId]) => !kept.has(userId.toLowerCase())).map(([, seatId]) => seatId),
    inUse,
  );
  return outcome.result;
}

/**
 * Releases seats after a commit, skipping those a user stores by now (when `inUse` is
 * given). When that check itself fails, nothing is released: a stray seat is dropped by
 * reconciliation (R19), a wrongly released one would take a user's seat away.
 */
export async function releaseUnused(
  seats: SeatLedger,
  tenantId: string,
  seatIds: readonly (string | null)[],
  inUse?: SeatsInUse,
): Promise<void> {
  const candidates = seatIds.filter((id): id is string => Boolean(id));
  if (candidates.length === 0) return;
  if (!inUse) return releaseAll(seats, tenantId, candidates);
  let stored: ReadonlySet<string>;
  try {
    stored = await inUse(tenantId, candidates);
  } catch {
    return;
  }
  await releaseAll(
    seats,
    tenantId,
    candidates.filter((id) => !stored.has(id.toLowerCase())),
  );
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
