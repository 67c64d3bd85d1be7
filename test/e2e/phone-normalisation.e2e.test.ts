import { createClient } from "@connectrpc/connect";
import { type ProvisioningEntry, ProvisioningLogService } from "@cosafe/proto/identity";
import { createServiceTransport } from "@cosafe/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName, userBody } from "./scim-http.js";
import { type RunningStack, startRunningStack, support } from "./stack-harness.js";

let s: RunningStack;
let log: ReturnType<typeof createClient<typeof ProvisioningLogService>>;

beforeAll(async () => {
  s = await startRunningStack();
  log = createClient(
    ProvisioningLogService,
    createServiceTransport({ baseUrl: s.stack.identityCoreUrl, credential: s.stack.credential }),
  );
});

afterAll(() => s?.stop());

async function entryOf(userName: string): Promise<ProvisioningEntry | undefined> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { entries } = await log.listProvisioningEntries(
      { tenantId: s.tenantId, pageSize: 10, userName },
      support,
    );
    const create = entries.find((e) => e.method === "POST");
    if (create || Date.now() > deadline) return create;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("R2 over SCIM: phone numbers with the tenant's default region", () => {
  it("R2: with region US a national number gets its E.164 copy; junk is returned as sent and flagged in the provisioning log", async () => {
    const { tenant } = await s.tenants.getTenant({ tenantId: s.tenantId }, support);
    await s.tenants.updateTenant(
      {
        tenant: { id: s.tenantId, settings: { defaultPhoneRegion: "US" } },
        updateMask: { paths: ["settings.default_phone_region"] },
        etag: tenant?.etag ?? "",
      },
      support,
    );
    const userName = uniqueName("r2-phone");
    const phoneNumbers = [
      { value: "(555) 555-0100", type: "work", primary: true },
      { value: "+44 20 7946 0958", type: "mobile" },
      { value: "n/a – ask reception", type: "other" },
    ];
    const created = await s.http.create("Users", userBody(userName, { phoneNumbers }));
    const stored = await s.http.read("Users", created.id);
    // Returned exactly as sent (R2): the E.164 copy is for Cosafe's alerting, over gRPC.
    expect((stored.phoneNumbers as { value: string }[]).map((p) => p.value)).toEqual(
      phoneNumbers.map((p) => p.value),
    );

    const { user } = await s.users.getUser({ tenantId: s.tenantId, userId: created.id }, support);
    expect(user?.phoneNumbers.map((p) => p.e164)).toEqual(["+15555550100", "+442079460958", ""]);

    const entry = await entryOf(userName);
    expect(entry?.status).toBe(201);
    expect(entry?.detail).toContain(
      'phone number "n/a – ask reception" could not be normalised to E.164; kept as sent',
    );
    expect(entry?.detail).not.toContain("555-0100");
  });
});
