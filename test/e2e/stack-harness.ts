import { createClient } from "@connectrpc/connect";
import { bootstrapDemoTenant, type Stack, startStack } from "@cosafe/dev-stack";
import {
  AccountService,
  ActorType,
  AuditService,
  DeprovisionBrakeService,
  GroupService,
  Role,
  ScimTokenService,
  TenantService,
  UserService,
} from "@cosafe/proto/identity";
import { LicenseService } from "@cosafe/proto/licensing";
import { actorHeaders, createServiceTransport } from "@cosafe/rpc";
import { createTestDatabase, freePort, type TestDatabase } from "@cosafe/testing";
import { ScimHttp } from "./scim-http.js";

export const support = {
  headers: actorHeaders({ type: ActorType.PERSON, id: "support@cosafe.test", role: Role.SUPPORT }),
};

/** An administrator of one tenant, as the admin panel backend calls identity-core for them. */
export const adminOf = (tenantId: string) => ({
  headers: actorHeaders({ type: ActorType.PERSON, id: "admin@customer.test", role: Role.ADMIN, tenantId }),
});

export interface RunningStack {
  stack: Stack;
  database: TestDatabase;
  /** SCIM base URL, e.g. http://localhost:PORT/scim/v2 */
  scim: string;
  /** The demo tenant's bearer token. */
  token: string;
  tenantId: string;
  /** SCIM client with the demo tenant's token; asserts no 5xx on every request. */
  http: ScimHttp;
  tenants: ReturnType<typeof createClient<typeof TenantService>>;
  tokens: ReturnType<typeof createClient<typeof ScimTokenService>>;
  audit: ReturnType<typeof createClient<typeof AuditService>>;
  users: ReturnType<typeof createClient<typeof UserService>>;
  groups: ReturnType<typeof createClient<typeof GroupService>>;
  accounts: ReturnType<typeof createClient<typeof AccountService>>;
  licensing: ReturnType<typeof createClient<typeof LicenseService>>;
  deprovisionBrakes: ReturnType<typeof createClient<typeof DeprovisionBrakeService>>;
  /** SIGKILL licensing / start it again on its port (fault tests, issue 15). */
  killLicensing(): Promise<void>;
  restartLicensing(): Promise<void>;
  /** Another customer with its own SCIM token and seat limit (R21 isolation, R9). */
  newTenant(
    displayName: string,
    seatLimit?: number,
  ): Promise<{ tenantId: string; token: string; tokenId: string; http: ScimHttp }>;
  stop(): Promise<void>;
}

/**
 * The whole system as operators run it: three processes on a fresh, empty database (the
 * services migrate it themselves), bootstrapped exactly as `pnpm start` does.
 */
export async function startRunningStack(
  options: {
    logLevel?: string;
    onLog?: (service: string, line: string) => void;
    metrics?: boolean;
    env?: Record<string, string>;
  } = {},
): Promise<RunningStack> {
  const database = await createTestDatabase({
    template: { key: "empty", fingerprint: "v1", prepare: async () => {} },
  });
  const stack = await startStack({
    databaseUrl: database.url,
    ports: { facade: await freePort(), identityCore: await freePort(), licensing: await freePort() },
    ...(options.metrics
      ? {
          metricsPorts: {
            facade: await freePort(),
            identityCore: await freePort(),
            licensing: await freePort(),
          },
        }
      : {}),
    ...(options.env ? { env: options.env } : {}),
    logLevel: options.logLevel ?? "warn",
    // E2E_LOGS=1 shows the services' warnings and errors while debugging a failure.
    quiet: process.env.E2E_LOGS !== "1",
    ...(options.onLog ? { onLog: options.onLog } : {}),
  });
  try {
    const demo = await bootstrapDemoTenant(stack);
    if (!demo) throw new Error("a fresh database must get a demo tenant");
    const core = createServiceTransport({ baseUrl: stack.identityCoreUrl, credential: stack.credential });
    const tenants = createClient(TenantService, core);
    const tokens = createClient(ScimTokenService, core);
    const licensing = createClient(
      LicenseService,
      createServiceTransport({ baseUrl: stack.licensingUrl, credential: stack.credential }),
    );
    return {
      stack,
      database,
      scim: stack.scimBaseUrl,
      token: demo.token,
      tenantId: demo.tenantId,
      http: new ScimHttp(stack.scimBaseUrl, demo.token),
      tenants,
      tokens,
      audit: createClient(AuditService, core),
      users: createClient(UserService, core),
      groups: createClient(GroupService, core),
      accounts: createClient(AccountService, core),
      licensing,
      deprovisionBrakes: createClient(DeprovisionBrakeService, core),
      killLicensing: () => stack.killLicensing(),
      restartLicensing: () => stack.restartLicensing(),
      async newTenant(displayName, seatLimit = 100) {
        const { tenant } = await tenants.createTenant({ displayName }, support);
        if (!tenant) throw new Error("identity-core created no tenant");
        await licensing.setSeatLimit({ tenantId: tenant.id, seatLimit }, support);
        const { secret, token } = await tokens.issueScimToken(
          { tenantId: tenant.id, name: displayName },
          support,
        );
        return {
          tenantId: tenant.id,
          token: secret,
          tokenId: token?.id ?? "",
          http: new ScimHttp(stack.scimBaseUrl, secret),
        };
      },
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
