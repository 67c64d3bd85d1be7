import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { LicenseService } from "@cosafe/proto/licensing";
import { actorHeaders, createServiceTransport, type ServiceCredential, systemActor } from "@cosafe/rpc";
import { DomainError } from "../domain-error.js";

/** A tenant's seat figures as licensing reports them (R9). */
export interface SeatFigures {
  seatLimit: number;
  seatsInUse: number;
}

/** Reads a tenant's licence; undefined where seats are not metered. */
export interface LicenseReader {
  license(tenantId: string): Promise<SeatFigures>;
}

/**
 * Licensing's GetLicense as identity-core's own SYSTEM caller (its credential towards
 * licensing, docs/adr/0009). Unreachable or failing is UNAVAILABLE `LICENSING_UNAVAILABLE`.
 */
export function licensingLicenseReader(target: {
  url: string;
  credential: ServiceCredential;
  timeoutMs: number;
}): LicenseReader {
  const client = createClient(
    LicenseService,
    createServiceTransport({
      baseUrl: target.url,
      credential: target.credential,
      timeoutMs: target.timeoutMs,
    }),
  );
  const headers = actorHeaders(systemActor("identity-core"));
  return {
    async license(tenantId) {
      try {
        const { license } = await client.getLicense({ tenantId }, { headers });
        return { seatLimit: license?.seatLimit ?? 0, seatsInUse: license?.seatsInUse ?? 0 };
      } catch (cause) {
        const error = ConnectError.from(cause);
        if (error.code === Code.InvalidArgument || error.code === Code.PermissionDenied) throw error;
        throw new DomainError(
          "UNAVAILABLE",
          "LICENSING_UNAVAILABLE",
          "the licensing service is unavailable; nothing was stored, retry later",
        );
      }
    },
  };
}
