import { createClient } from "@connectrpc/connect";
import { type ProvisioningEntry, ProvisioningLogService, ProvisioningOutcome } from "@cosafe/proto/identity";
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

/** Entries as text, to prove what they never contain (durations are bigints). */
const asText = (value: unknown) =>
  JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v));

/** The facade sends entries in batches about once a second: poll until the expected ones arrive. */
async function entriesUntil(
  tenantId: string,
  filter: { userName?: string },
  done: (entries: ProvisioningEntry[]) => boolean,
): Promise<ProvisioningEntry[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { entries } = await log.listProvisioningEntries({ tenantId, pageSize: 100, ...filter }, support);
    if (done(entries) || Date.now() > deadline) return entries;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("R20: every SCIM request leaves a provisioning-log entry", () => {
  it("R20: a create records method, path, resource id, userName, status and the ignored attributes — never the body or token", async () => {
    const userName = uniqueName("r20");
    const user = await s.http.create(
      "Users",
      userBody(userName, {
        externalId: "ext-r20",
        addresses: [{ streetAddress: "Secret street 1", type: "work" }],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { department: "Crisis" },
      }),
    );
    const duplicate = await s.http.request({
      method: "POST",
      path: "/Users",
      body: userBody(userName.toUpperCase()),
    });
    expect(duplicate.status).toBe(409);

    const entries = await entriesUntil(s.tenantId, { userName }, (e) => e.length >= 2);
    const created = entries.find((e) => e.status === 201);
    expect(created).toMatchObject({
      tenantId: s.tenantId,
      method: "POST",
      path: "/Users",
      resourceType: "User",
      resourceId: user.id,
      userName,
      externalId: "ext-r20",
      outcome: ProvisioningOutcome.SUCCESS,
    });
    expect(created?.ignoredAttributes).toEqual(
      expect.arrayContaining([
        "addresses",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
      ]),
    );
    expect(created?.tokenId).not.toBe("");
    expect(created?.duration).toBeDefined();
    const refused = entries.find((e) => e.status === 409);
    expect(refused).toMatchObject({ outcome: ProvisioningOutcome.CLIENT_ERROR, scimType: "uniqueness" });
    const stored = asText(entries);
    expect(stored).not.toContain("Secret street");
    expect(stored).not.toContain(s.token);
  });

  it("R20: a licence refusal is recorded as such with the seats detail", async () => {
    const other = await s.newTenant("R20 Licence", 0);
    const userName = uniqueName("r20-lic");
    const refused = await other.http.request({ method: "POST", path: "/Users", body: userBody(userName) });
    expect(refused.status).toBe(403);
    const entries = await entriesUntil(other.tenantId, {}, (e) => e.some((x) => x.status === 403));
    expect(entries.find((e) => e.status === 403)).toMatchObject({
      outcome: ProvisioningOutcome.LICENSE_REFUSED,
      path: "/Users",
    });
    expect(entries.find((e) => e.status === 403)?.detail).toMatch(/licen[cs]e/i);
  });

  it("R20: a request without a valid token goes to the support-only stream", async () => {
    const res = await fetch(`${s.scim}/Users?filter=${encodeURIComponent('userName eq "nobody"')}`, {
      headers: { authorization: "Bearer cosafe_scim_not-a-token-r20" },
    });
    expect(res.status).toBe(401);
    const entries = await entriesUntil("", {}, (e) =>
      e.some((x) => x.outcome === ProvisioningOutcome.UNAUTHENTICATED),
    );
    const entry = entries.find((e) => e.outcome === ProvisioningOutcome.UNAUTHENTICATED);
    expect(entry).toMatchObject({ tenantId: "", method: "GET", path: "/Users", status: 401 });
    expect(asText(entry)).not.toContain("not-a-token-r20");
  });
});
