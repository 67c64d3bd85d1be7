import { randomUUID } from "node:crypto";
import type { Client } from "@connectrpc/connect";
import { createClient } from "@connectrpc/connect";
import type { LicenseService } from "@cosafe/proto/licensing";
import { LicenseService as LicenseServiceDesc } from "@cosafe/proto/licensing";
import { createServiceTransport } from "@cosafe/rpc";
import type { TestDatabase } from "@cosafe/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LicensingSeatLedger } from "../src/domain/seats/licensing-seat-ledger.js";
import {
  coreCredential,
  type LicensingProcess,
  licensingClient,
  quietLogger,
  startLicensingProcess,
} from "./seat-support.js";
import { as, identityTestDatabase, supportActor } from "./support/core-harness.js";

/**
 * Seat group commit (docs/adr/0021-seat-group-commit.md) against a real licensing process and
 * database: allocations of one tenant that arrive together leave as few AllocateSeats calls, and
 * the limit still decides exactly (R9).
 */
let database: TestDatabase;
let licensing: LicensingProcess;
let support: Client<typeof LicenseService>;
let db: pg.Pool;

beforeAll(async () => {
  database = await identityTestDatabase();
  licensing = await startLicensingProcess(database.url);
  support = licensingClient(licensing.url);
  db = new pg.Pool({ connectionString: database.url, max: 2 });
});
afterAll(async () => {
  await db?.end();
  await licensing?.stop();
  await database?.drop();
});

/** A ledger whose licensing client counts the calls it makes, per method. */
function countingLedger() {
  const client = createClient(
    LicenseServiceDesc,
    createServiceTransport({ baseUrl: licensing.url, credential: coreCredential }),
  );
  const calls = { allocateSeat: 0, allocateSeats: 0, batchSizes: [] as number[] };
  const counted = {
    ...client,
    allocateSeat: ((...args: Parameters<typeof client.allocateSeat>) => {
      calls.allocateSeat++;
      return client.allocateSeat(...args);
    }) as typeof client.allocateSeat,
    allocateSeats: ((...args: Parameters<typeof client.allocateSeats>) => {
      calls.allocateSeats++;
      calls.batchSizes.push(args[0].userIds?.length ?? 0);
      return client.allocateSeats(...args);
    }) as typeof client.allocateSeats,
  };
  return { ledger: new LicensingSeatLedger(counted, quietLogger(), { backoffMs: 20 }), calls };
}

async function licensed(seatLimit: number): Promise<string> {
  const tenantId = randomUUID();
  await support.setSeatLimit({ tenantId, seatLimit }, as(supportActor));
  return tenantId;
}

const seatRows = async (tenantId: string) =>
  (
    await db.query<{ user_id: string; id: string }>(
      "select id, user_id from licensing.seat where tenant_id = $1",
      [tenantId],
    )
  ).rows;

const deadline = () => new Date(Date.now() + 5000);

describe("seat group commit", () => {
  it("R9: 32 parallel allocations of one tenant get 32 distinct seats in fewer than 32 calls", async () => {
    const tenantId = await licensed(100);
    const { ledger, calls } = countingLedger();
    const users = Array.from({ length: 32 }, () => randomUUID());
    const seats = await Promise.all(users.map((u) => ledger.allocate(tenantId, u, deadline())));
    expect(new Set(seats).size).toBe(32);
    const stored = await seatRows(tenantId);
    expect(new Map(stored.map((r) => [r.user_id, r.id]))).toEqual(
      new Map(users.map((u, i) => [u, seats[i]])),
    );
    expect(calls.allocateSeats).toBeGreaterThan(0);
    expect(calls.allocateSeat + calls.allocateSeats).toBeLessThan(32);
    expect(Math.max(...calls.batchSizes)).toBeGreaterThan(1);
  });

  it("R9: near the limit a refused batch falls back to single allocations and fills exactly the free seats", async () => {
    const tenantId = await licensed(10);
    const { ledger, calls } = countingLedger();
    const users = Array.from({ length: 24 }, () => randomUUID());
    const outcomes = await Promise.allSettled(users.map((u) => ledger.allocate(tenantId, u, deadline())));
    const granted = outcomes.filter((o) => o.status === "fulfilled");
    const refused = outcomes.filter((o) => o.status === "rejected");
    expect(granted).toHaveLength(10);
    for (const r of refused) expect(r.reason).toMatchObject({ reason: "LICENSE_LIMIT_REACHED" });
    expect(await seatRows(tenantId)).toHaveLength(10);
    expect(calls.allocateSeats).toBeGreaterThan(0);
  });

  it("R9: allocations of different tenants never share a batch", async () => {
    const [a, b] = [await licensed(5), await licensed(5)];
    const { ledger, calls } = countingLedger();
    const seats = await Promise.all(
      Array.from({ length: 10 }, (_, i) => ledger.allocate(i % 2 ? a : b, randomUUID(), deadline())),
    );
    expect(new Set(seats).size).toBe(10);
    expect([(await seatRows(a)).length, (await seatRows(b)).length]).toEqual([5, 5]);
    expect(calls.batchSizes.every((n) => n <= 5)).toBe(true);
  });
});
