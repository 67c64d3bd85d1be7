import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { ActorType, Role, TenantService } from "@cosafe/proto/identity";
import { type CallActor, createServiceTransport, errorMetadataOf, reasonOf } from "@cosafe/rpc";
import type { TestDatabase } from "@cosafe/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IdentityCore, startIdentityCore } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { capturingLogger } from "./seat-support.js";
import { adminActor, as, identityTestDatabase, scimActor, supportActor } from "./support/core-harness.js";

// docs/adr/0006: each service credential may claim only its allowed actor roles, and a name
// may carry two secrets while it is rotated. Real identity-core, real gRPC, real PostgreSQL.
const secrets = {
  facadeOld: "facade-old-secret-0123456789",
  facadeNew: "facade-new-secret-0123456789",
  admin: "admin-panel-secret-0123456789",
  cli: "support-cli-secret-0123456789",
  reports: "reports-job-secret-0123456789",
};
const systemActor: CallActor = { type: ActorType.SYSTEM, id: "x", role: Role.SYSTEM };

let database: TestDatabase;
let core: IdentityCore;
let url: string;
const log = capturingLogger();

beforeAll(async () => {
  database = await identityTestDatabase();
  const config = loadConfig({
    DATABASE_URL: database.url,
    IDENTITY_CORE_PORT: "0",
    COSAFE_SERVICE_CREDENTIALS: [
      `scim-facade:${secrets.facadeOld}`,
      `scim-facade:${secrets.facadeNew}`,
      `admin-panel:${secrets.admin}`,
      `support-cli:${secrets.cli}`,
      `reports-job:${secrets.reports}`,
    ].join(","),
    // Defaults for the well-known names; a new name needs its roles spelled out.
    COSAFE_SERVICE_ROLES: "reports-job:SUPPORT",
  });
  core = await startIdentityCore(config, log.logger);
  url = `http://127.0.0.1:${core.server.port}`;
});

afterAll(async () => {
  await core?.close();
  await database?.drop();
});

function tenantsAs(service: string, secret: string) {
  return createClient(
    TenantService,
    createServiceTransport({ baseUrl: url, credential: { service, secret } }),
  );
}

async function failureOf(promise: Promise<unknown>): Promise<ConnectError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ConnectError)) throw new Error("expected the call to fail");
  return error;
}

describe("service credentials are bound to actor roles (ADR 0006)", () => {
  it("support-cli acts as SUPPORT, and a new name with configured roles too", async () => {
    const created = await tenantsAs("support-cli", secrets.cli).createTenant(
      { displayName: "Roles Inc" },
      as(supportActor),
    );
    expect(created.tenant?.id).toBeTruthy();
    const tenantId = created.tenant?.id ?? "";
    const read = await tenantsAs("reports-job", secrets.reports).getTenant({ tenantId }, as(supportActor));
    expect(read.tenant?.id).toBe(tenantId);
  });

  it("the facade claiming SUPPORT is refused with PERMISSION_DENIED SERVICE_ROLE_NOT_ALLOWED and logged", async () => {
    const error = await failureOf(
      tenantsAs("scim-facade", secrets.facadeNew).createTenant({ displayName: "Nope" }, as(supportActor)),
    );
    expect(error.code).toBe(Code.PermissionDenied);
    expect(reasonOf(error)).toBe("SERVICE_ROLE_NOT_ALLOWED");
    expect(errorMetadataOf(error)).toMatchObject({
      service: "scim-facade",
      role: "SUPPORT",
      allowed: "SCIM,SYSTEM",
    });
    const line = log
      .lines()
      .find(
        (l) =>
          l.msg === "caller claimed an actor role its credential does not allow" &&
          l.claimedRole === "SUPPORT",
      );
    expect(line).toMatchObject({ level: 40, caller: "scim-facade", allowed: "SCIM,SYSTEM" });
    const text = JSON.stringify(log.lines());
    for (const secret of Object.values(secrets)) expect(text).not.toContain(secret);
  });

  it("nobody but an allowed caller claims SYSTEM; admin-panel and support-cli are refused", async () => {
    for (const [service, secret] of [
      ["admin-panel", secrets.admin],
      ["support-cli", secrets.cli],
      ["reports-job", secrets.reports],
    ] as const) {
      const error = await failureOf(tenantsAs(service, secret).listTenants({}, as(systemActor)));
      expect([service, error.code, reasonOf(error)]).toEqual([
        service,
        Code.PermissionDenied,
        "SERVICE_ROLE_NOT_ALLOWED",
      ]);
    }
  });

  it("the support CLI cannot claim ADMIN or SCIM of a tenant", async () => {
    const tenantId = "00000000-0000-4000-8000-00000000000a";
    for (const actor of [adminActor(tenantId), scimActor(tenantId)]) {
      const error = await failureOf(tenantsAs("support-cli", secrets.cli).getTenant({ tenantId }, as(actor)));
      expect(reasonOf(error)).toBe("SERVICE_ROLE_NOT_ALLOWED");
    }
  });

  it("during a rotation both secrets of a name are accepted, any other is not", async () => {
    const tenantId = (
      await tenantsAs("support-cli", secrets.cli).createTenant({ displayName: "Rotation" }, as(supportActor))
    ).tenant?.id as string;
    for (const secret of [secrets.facadeOld, secrets.facadeNew]) {
      const read = await tenantsAs("scim-facade", secret).getTenant({ tenantId }, as(scimActor(tenantId)));
      expect(read.tenant?.id).toBe(tenantId);
    }
    const wrong = await failureOf(
      tenantsAs("scim-facade", secrets.admin).getTenant({ tenantId }, as(scimActor(tenantId))),
    );
    expect(wrong.code).toBe(Code.Unauthenticated);
  });
});
