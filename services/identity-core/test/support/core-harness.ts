import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Client, createClient } from "@connectrpc/connect";
import { createLogger } from "@cosafe/logging";
import {
  ActorType,
  AuditService,
  Role,
  ScimTokenService,
  TenantService,
  UserService,
} from "@cosafe/proto/identity";
import { actorHeaders, type CallActor, createServiceTransport } from "@cosafe/rpc";
import { createTestDatabase, type TestDatabase } from "@cosafe/testing";
import { type IdentityCore, startIdentityCore } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import type { SeatAuthority } from "../../src/domain/seats.js";
import type { InvitationNotifier } from "../../src/domain/user/invitation-notifier.js";
import { migrateDatabase } from "../../src/storage/migrate-database.js";

const migrationsDir = join(import.meta.dirname, "../../src/storage/migrations");

/** Changes whenever a migration file changes, so a stale template is never reused. */
function migrationsFingerprint(): string {
  const hash = createHash("sha256");
  for (const file of readdirSync(migrationsDir).sort())
    hash.update(file).update(readFileSync(join(migrationsDir, file)));
  return hash.digest("hex").slice(0, 12);
}

/** A migrated database of this test file's own. */
export function identityTestDatabase(): Promise<TestDatabase> {
  return createTestDatabase({
    template: {
      key: "identity",
      fingerprint: migrationsFingerprint(),
      prepare: async (url) => {
        await migrateDatabase(url);
      },
    },
  });
}

export const testCredential = { service: "test-suite", secret: "test-suite-secret-0123456789" };
/** COSAFE_SERVICE_ROLES of the test servers: the test credential may claim every role. */
export const testServiceRoles = "test-suite:SCIM,ADMIN,SUPPORT,SYSTEM";

export const supportActor: CallActor = {
  type: ActorType.PERSON,
  id: "support@cosafe.test",
  role: Role.SUPPORT,
};
export const systemCaller: CallActor = { type: ActorType.SYSTEM, id: "scim-facade", role: Role.SYSTEM };

export function scimActor(tenantId: string, tokenId = "00000000-0000-4000-8000-000000000001"): CallActor {
  return { type: ActorType.SCIM_TOKEN, id: tokenId, role: Role.SCIM, tenantId };
}

export function adminActor(tenantId: string): CallActor {
  return { type: ActorType.PERSON, id: "admin@customer.test", role: Role.ADMIN, tenantId };
}

/** Call options carrying an actor. */
export const as = (actor: CallActor) => ({ headers: actorHeaders(actor) });

export interface CoreHarness {
  core: IdentityCore;
  database: TestDatabase;
  url: string;
  tenants: Client<typeof TenantService>;
  users: Client<typeof UserService>;
  tokens: Client<typeof ScimTokenService>;
  audit: Client<typeof AuditService>;
  /** Creates a tenant as support and returns its id. */
  newTenant(name?: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts a real identity-core on its own migrated database, with connect clients. */
export async function startCoreHarness(
  options: { seats?: SeatAuthority; notifier?: InvitationNotifier } = {},
): Promise<CoreHarness> {
  const database = await identityTestDatabase();
  const config = loadConfig({
    DATABASE_URL: database.url,
    IDENTITY_CORE_PORT: "0",
    COSAFE_SERVICE_CREDENTIALS: `${testCredential.service}:${testCredential.secret}`,
    COSAFE_SERVICE_ROLES: testServiceRoles,
    IDENTITY_CORE_DB_POOL_MAX: "10",
  });
  const core = await startIdentityCore(
    config,
    createLogger({ service: "identity-core", level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    options,
  );
  const url = `http://127.0.0.1:${core.server.port}`;
  const transport = createServiceTransport({ baseUrl: url, credential: testCredential });
  const tenants = createClient(TenantService, transport);
  return {
    core,
    database,
    url,
    tenants,
    users: createClient(UserService, transport),
    tokens: createClient(ScimTokenService, transport),
    audit: createClient(AuditService, transport),
    async newTenant(name = "Acme Crisis Team") {
      const { tenant } = await tenants.createTenant({ displayName: name }, as(supportActor));
      if (!tenant) throw new Error("no tenant returned");
      return tenant.id;
    },
    async close() {
      await core.close();
      await database.drop();
    },
  };
}
