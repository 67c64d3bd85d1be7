import { createClient } from "@connectrpc/connect";
import { ActorType, Role, ScimTokenService, TenantService } from "@cosafe/proto/identity";
import { LicenseService } from "@cosafe/proto/licensing";
import { actorHeaders, createServiceTransport } from "@cosafe/rpc";
import type { Stack } from "./stack.js";

export interface DemoTenant {
  tenantId: string;
  tenantName: string;
  /** The SCIM bearer token, shown once. */
  token: string;
}

const launcherActor = { type: ActorType.SERVICE, id: "dev-stack", role: Role.SUPPORT };

/**
 * When the database holds no tenant yet, creates a demo tenant with a seat limit and a
 * SCIM token, exactly as Cosafe support would over gRPC. Returns undefined otherwise.
 */
export async function bootstrapDemoTenant(stack: Stack, seatLimit = 100): Promise<DemoTenant | undefined> {
  const options = { headers: actorHeaders(launcherActor) };
  const core = createServiceTransport({ baseUrl: stack.identityCoreUrl, credential: stack.credential });
  const tenants = createClient(TenantService, core);
  const existing = await tenants.listTenants({ pageSize: 1 }, options);
  if (existing.totalSize > 0) return undefined;
  const { tenant } = await tenants.createTenant({ displayName: "Demo Customer" }, options);
  if (!tenant) throw new Error("identity-core created no tenant");
  const licensing = createClient(
    LicenseService,
    createServiceTransport({ baseUrl: stack.licensingUrl, credential: stack.credential }),
  );
  await licensing.setSeatLimit({ tenantId: tenant.id, seatLimit }, options);
  const { secret } = await createClient(ScimTokenService, core).issueScimToken(
    { tenantId: tenant.id, name: "demo token (pnpm start)" },
    options,
  );
  return { tenantId: tenant.id, tenantName: tenant.displayName, token: secret };
}

/** What `pnpm start` prints for a new demo tenant: where to point an IdP and a working curl example. */
export function demoInstructions(scimBaseUrl: string, demo: DemoTenant): string {
  const auth = `-H "Authorization: Bearer ${demo.token}"`;
  return [
    "",
    `Demo tenant "${demo.tenantName}" (${demo.tenantId}) created.`,
    `  SCIM base URL: ${scimBaseUrl}`,
    `  SCIM token:    ${demo.token}`,
    "  (shown once: the database keeps only its hash)",
    "",
    "Try it:",
    `  curl -s -X POST ${scimBaseUrl}/Users ${auth} -H "Content-Type: application/scim+json" \\`,
    `    -d '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen@example.com","name":{"givenName":"Barbara","familyName":"Jensen"}}'`,
    `  curl -s ${scimBaseUrl}/Users/<id from the answer> ${auth}`,
    `  curl -s -G ${scimBaseUrl}/Users ${auth} --data-urlencode 'filter=userName eq "bjensen@example.com"'`,
    "",
  ].join("\n");
}
