import { randomUUID } from "node:crypto";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { LicenseService } from "@cosafe/proto/licensing";
import { describe, expect, it } from "vitest";
import { DomainError } from "../src/domain/domain-error.js";
import { LicensingSeatLedger } from "../src/domain/seats/licensing-seat-ledger.js";
import { quietLogger } from "./seat-support.js";

/**
 * The ledger's retry and error mapping against a scripted licensing service (in-memory
 * transport). Behaviour against the real service and database: seat-saga.int.test.ts.
 */
function scripted(handlers: {
  allocate?: (userId: string) => Promise<string>;
  release?: (seatId: string) => Promise<void>;
}) {
  const transport = createRouterTransport(({ service }) => {
    service(LicenseService, {
      async allocateSeat(req) {
        const id = await (handlers.allocate ?? (async () => randomUUID()))(req.userId);
        return { seat: { id, tenantId: req.tenantId, userId: req.userId } };
      },
      async releaseSeat(req) {
        await handlers.release?.(req.seatId || `user:${req.userId}`);
        return {};
      },
    });
  });
  return createClient(LicenseService, transport);
}

const soon = () => new Date(Date.now() + 5000);

const down = () => new ConnectError("connect ECONNREFUSED", Code.Unavailable);

describe("LicensingSeatLedger retries and error mapping", () => {
  it("R9: an allocation retries a fast transient failure within its budget, then answers UNAVAILABLE LICENSING_UNAVAILABLE", async () => {
    let calls = 0;
    const ledger = new LicensingSeatLedger(
      scripted({
        allocate: async () => {
          calls++;
          throw down();
        },
      }),
      quietLogger(),
      { backoffMs: 1 },
    );
    const error = await ledger.allocate(randomUUID(), randomUUID(), soon()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind: "UNAVAILABLE", reason: "LICENSING_UNAVAILABLE" });
    expect(calls).toBe(3);
  });

  it("a misconfigured credential is not dressed up as unavailability", async () => {
    const ledger = new LicensingSeatLedger(
      scripted({
        allocate: async () => {
          throw new ConnectError("service credential missing or invalid", Code.Unauthenticated);
        },
      }),
      quietLogger(),
    );
    const error = await ledger.allocate(randomUUID(), randomUUID(), soon()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Unauthenticated);
  });

  it("R9: an allocation past its deadline is not sent and answers UNAVAILABLE", async () => {
    let calls = 0;
    const ledger = new LicensingSeatLedger(
      scripted({
        allocate: async () => {
          calls++;
          return randomUUID();
        },
      }),
      quietLogger(),
    );
    const error = await ledger
      .allocate(randomUUID(), randomUUID(), new Date(Date.now() - 1))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "UNAVAILABLE", reason: "LICENSING_UNAVAILABLE" });
    expect(calls).toBe(0);
  });

  it("R19: a release is one attempt: UNAVAILABLE when licensing is down (the outbox retries), RELEASE_REFUSED when it refuses", async () => {
    const calls: string[] = [];
    const failing = new LicensingSeatLedger(
      scripted({
        release: async (target) => {
          calls.push(target);
          throw down();
        },
      }),
      quietLogger(),
    );
    const seatId = randomUUID();
    await expect(failing.release(randomUUID(), randomUUID(), seatId)).rejects.toMatchObject({
      kind: "UNAVAILABLE",
      reason: "LICENSING_UNAVAILABLE",
    });
    expect(calls).toEqual([seatId]);
    const refusing = new LicensingSeatLedger(
      scripted({
        release: async () => {
          throw new ConnectError("seat_id must be a UUID", Code.InvalidArgument);
        },
      }),
      quietLogger(),
    );
    await expect(refusing.release(randomUUID(), null, "nope")).rejects.toMatchObject({
      reason: "RELEASE_REFUSED",
    });
  });

  it("R9: a release without a seat id names the user (an allocation whose answer was lost)", async () => {
    const calls: string[] = [];
    const ledger = new LicensingSeatLedger(
      scripted({ release: async (target) => void calls.push(target) }),
      quietLogger(),
    );
    const userId = randomUUID();
    await ledger.release(randomUUID(), userId, null);
    expect(calls).toEqual([`user:${userId}`]);
  });
});
