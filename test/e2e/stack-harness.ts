import { createClient } from "@connectrpc/connect";
import { bootstrapDemoTenant, type Stack, startStack } from "@cosafe/dev-stack";
import { ActorType, AuditService, Role, ScimTokenService, TenantService } from "@cosafe/proto/identity";
import { actorHeaders, createServiceTransport } from "@cosafe/rpc";
import { createTestDatabase, freePort, type TestDatabase } from "@cosafe/testing";

export const support = {
  headers: actorHeaders({ type: ActorType.PERSON, id: "support@cosafe.test", role: Role.SUPPORT }),
};

export interface RunningStack {
  stack: Stack;
  database: TestDatabase;
  /** SCIM base URL, e.g. http://localhost:PORT/scim/v2 */
  scim: string;
  /** The demo tenant's bearer token. */
  token: string;
  tenantId: string;
  tenants: ReturnType<typeof createClient<typeof TenantService>>;
  tokens: ReturnType<typeof createClient<typeof ScimTokenService>>;
  audit: ReturnType<typeof createClient<typeof AuditService>>;
  stop(): Promise<void>;
}

/**
 * The whole system as operators run it: three processes on a fresh, empty database (the
 * services migrate it themselves), bootstrapped exactly as `pnpm start` does.
 */
export async function startRunningStack(): Promise<RunningStack> {
  const database = await createTestDatabase({
    template: { key: "empty", fingerprint: "v1", prepare: async () => {} },
  });
  const stack = await startStack({
    databaseUrl: database.url,
    ports: { facade: await freePort(), identityCore: await freePort(), licensing: await freePort() },
    logLevel: "warn",
    quiet: true,
  });
  try {
    const demo = await bootstrapDemoTenant(stack);
    if (!demo) throw new Error("a fresh database must get a demo tenant");
    const core = createServiceTransport({ baseUrl: stack.identityCoreUrl, credential: stack.credential });
    return {
      stack,
      database,
      scim: stack.scimBaseUrl,
      token: demo.token,
      tenantId: demo.tenantId,
      tenants: createClient(TenantService, core),
      tokens: createClient(ScimTokenService, core),
      audit: createClient(AuditService, core),
      async stop() {
        await stack.stop();
        await database.drop();
      },
    };
  } catch (error) {
    await stack.stop();
    await database.drop();
    throw error;
  }
}
