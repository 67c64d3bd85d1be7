import { randomUUID } from "node:crypto";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { LicenseService } from "@cosafe/proto/licensing";
import { describe, expect, it } from "vitest";
import { DomainError } from "../src/domain/domain-error.js";
import { LicensingSeatLedger } from "../src/domain/seats/licensing-seat-ledger.js";
import { capturingLogger, quietLogger } from "./seat-support.js";

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
        await handlers.release?.(req.seatId);
        return {};
      },
    });
  });
  return createClient(LicenseService, transport);
}

const down = () => new ConnectError("connect ECONNREFUSED", Code.Unavailable);

describe("LicensingSeatLedger retries and error mapping", () => {
  it("R9: an allocation retries a transient failure once, then answers UNAVAILABLE LICENSING_UNAVAILABLE", async () => {
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
    const error = await ledger.allocate(randomUUID(), randomUUID()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind: "UNAVAILABLE", reason: "LICENSING_UNAVAILABLE" });
    expect(calls).toBe(2);
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
    const error = await ledger.allocate(randomUUID(), randomUUID()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Unauthenticated);
  });

  it("R19: a release retries transient failures with back-off until it gets through", async () => {
    let calls = 0;
    const ledger = new LicensingSeatLedger(
      scripted({
        release: async () => {
          if (++calls < 3) throw down();
        },
      }),
      quietLogger(),
      { backoffMs: 1 },
    );
    await ledger.release(randomUUID(), randomUUID());
    expect(calls).toBe(3);
  });

  it("R9: a release still retrying is dropped when the same seat is handed back to its user", async () => {
    const seatId = randomUUID();
    let releases = 0;
    const { logger, lines } = capturingLogger();
    const ledger = new LicensingSeatLedger(
      scripted({
        allocate: async () => seatId,
        release: async () => {
          releases++;
          throw down();
        },
      }),
      logger,
      { backoffMs: 50, releaseAttempts: 4 },
    );
    const tenantId = randomUUID();
    const releasing = ledger.release(tenantId, seatId);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await ledger.allocate(tenantId, randomUUID())).toBe(seatId);
    await releasing;
    expect(releases).toBe(1);
    expect(lines().some((l) => String(l.msg).includes("release dropped"))).toBe(true);
  });
});
