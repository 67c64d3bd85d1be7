import type { MikroORM } from "@mikro-orm/postgresql";
import { pgArray } from "../../storage/sql/pg-array.js";
import type { SeatLedger } from "../seats.js";

/** Of the given seat ids, those a user of the tenant stores right now — seats in use, never to be released. */
export type SeatsInUse = (tenantId: string, seatIds: readonly string[]) => Promise<ReadonlySet<string>>;

/**
 * Reads which seat ids are stored on users. Kept for callers that filter before releasing;
 * the seat-release outbox itself drops a release whose user holds the seat
 * (docs/adr/0013-seat-release-outbox.md), under that user's row lock.
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
 * R9 saga for group adds that re-provision: takes seats for users before a transaction,
 * runs it, then gives back (durably, through the outbox) every seat the transaction did not
 * keep — all of them when it failed. The outbox never releases a seat its user stores by
 * then (a concurrent request stored the same seat). Seats are keyed by user id, so a retried
 * allocation is harmless.
 */
export async function withSeats<T>(
  seats: SeatLedger,
  tenantId: string,
  userIds: readonly string[],
  run: (taken: ReadonlyMap<string, string | null>) => Promise<{ result: T; kept: readonly string[] }>,
  _inUse?: SeatsInUse,
): Promise<T> {
  const taken = new Map<string, string | null>();
  const giveBack = (userIds: readonly string[]) =>
    seats.releaseMany(
      tenantId,
      userIds.flatMap((userId) => {
        const seatId = taken.get(userId);
        return seatId ? [{ seatId, userId }] : [];
      }),
    );
  try {
    for (let i = 0; i < userIds.length; i += 16) {
      const chunk = userIds.slice(i, i + 16);
      const seatIds = await Promise.all(chunk.map((id) => seats.allocate(tenantId, id)));
      for (const [n, id] of chunk.entries()) taken.set(id, seatIds[n] ?? null);
    }
  } catch (error) {
    await giveBack([...taken.keys()]);
    throw error;
  }
  let outcome: { result: T; kept: readonly string[] };
  try {
    outcome = await run(taken);
  } catch (error) {
    await giveBack([...taken.keys()]);
    throw error;
  }
  const kept = new Set(outcome.kept.map((id) => id.toLowerCase()));
  await giveBack([...taken.keys()].filter((userId) => !kept.has(userId.toLowerCase())));
  return outcome.result;
}

/**
 * Releases seats after a commit, durably (the outbox; it skips seats a user stores by then).
 * `inUse` is accepted for callers that still pass it.
 */
export async function releaseUnused(
  seats: SeatLedger,
  tenantId: string,
  seatIds: readonly (string | null)[],
  _inUse?: SeatsInUse,
): Promise<void> {
  await releaseAll(seats, tenantId, seatIds);
}

/** Releases seats after a commit, durably; never throws (docs/adr/0013-seat-release-outbox.md). */
export async function releaseAll(
  seats: SeatLedger,
  tenantId: string,
  seatIds: readonly (string | null)[],
): Promise<void> {
  await seats.releaseMany(
    tenantId,
    seatIds.filter((id): id is string => Boolean(id)).map((seatId) => ({ seatId })),
  );
}
