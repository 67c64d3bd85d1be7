import { ConfigError, readConfig } from "@cosafe/config";
import type { MikroORM } from "@mikro-orm/postgresql";
import { describe, expect, it } from "vitest";
import { LicensingSeatLedger } from "../src/domain/seats/licensing-seat-ledger.js";
import { SeatReconciliation } from "../src/domain/seats/seat-reconciliation.js";
import { SeatReleaseOutbox } from "../src/domain/seats/seat-release-outbox.js";
import { connectSeats, seatSettings } from "../src/domain/seats/seat-wiring.js";
import { UnmeteredSeats } from "../src/domain/seats.js";
import { capturingLogger } from "./seat-support.js";

const read = (env: Record<string, string>) => readConfig(seatSettings, env);
const problems = (env: Record<string, string>) => {
  try {
    read(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
  }
  return "";
};

describe("seat settings and wiring", () => {
  it("R9: LICENSING_URL with identity-core's own credential selects the licensing ledger and the reconciliation", () => {
    const config = read({
      LICENSING_URL: "http://licensing:50052",
      COSAFE_SERVICE_SECRET: "identity-core-secret-0123456789",
      SEAT_RECONCILE_INTERVAL_MS: "60000",
    });
    expect(config).toMatchObject({
      licensing: {
        url: "http://licensing:50052",
        credential: { service: "identity-core", secret: "identity-core-secret-0123456789" },
      },
      licensingTimeoutMs: 3000,
      seatReleaseTimeoutMs: 1000,
      seatReleaseDrainIntervalMs: 1000,
      seatReconcileIntervalMs: 60_000,
      seatReconcileGraceSeconds: 600,
    });
    const wired = connectSeats({} as MikroORM, capturingLogger().logger, config);
    expect(wired.authority).toBeInstanceOf(LicensingSeatLedger);
    expect(wired.seats).toBeInstanceOf(SeatReleaseOutbox);
    expect(wired.reconciliation).toBeInstanceOf(SeatReconciliation);
  });

  it("refuses a licensing URL without a credential, or a malformed one, naming the variables", () => {
    expect(problems({ LICENSING_URL: "http://licensing:50052" })).toMatch(/COSAFE_SERVICE_SECRET/);
    expect(problems({ LICENSING_URL: "licensing", COSAFE_SERVICE_SECRET: "x".repeat(20) })).toMatch(
      /LICENSING_URL/,
    );
    expect(problems({ SEAT_RECONCILE_GRACE_SECONDS: "-1" })).toMatch(/SEAT_RECONCILE_GRACE_SECONDS/);
    // The allocation budget must stay inside the facade's 10 s deadline (issue 15).
    expect(problems({ LICENSING_TIMEOUT_MS: "10000" })).toMatch(/LICENSING_TIMEOUT_MS/);
  });

  it("without LICENSING_URL seats are unmetered, and the start-up log says so", () => {
    const { logger, lines } = capturingLogger();
    const wired = connectSeats({} as MikroORM, logger, read({}));
    expect(wired.authority).toBeInstanceOf(UnmeteredSeats);
    expect(wired.reconciliation).toBeUndefined();
    expect(lines().some((l) => l.level === 40 && String(l.msg).includes("not metered"))).toBe(true);
  });
});
