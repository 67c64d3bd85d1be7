import { ManagedBy } from "@cosafe/proto/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { patchOp, uniqueName, userBody } from "./scim-http.js";
import { adminOf, type RunningStack, startRunningStack, support } from "./stack-harness.js";

/**
 * Issue 7 over the whole stack: support pauses a tenant's SCIM provisioning (503 +
 * Retry-After, within the facade's token cache TTL of at most 5 s) and resumes it; an
 * administrator hands a user back (un-adopt) and the IdP takes it again (R12); support
 * switches SCIM off and the old token is refused (R21).
 */
let s: RunningStack;

beforeAll(async () => {
  s = await startRunningStack();
});

afterAll(() => s?.stop());

/** Raw SCIM request: these tests expect 503s, which the suites' ScimHttp client refuses. */
async function raw(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${s.scim}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/scim+json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Polls until the status is as expected; the facade caches tokens (and the pause) ≤ 5 s. */
async function eventually(token: string, path: string, status: number) {
  const deadline = Date.now() + 8000;
  for (;;) {
    const res = await raw(token, "GET", path);
    if (res.status === status || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("issue 7: pause", () => {
  it("a paused tenant gets 503 with Retry-After on every SCIM request, others don't; resume lets the retries through", async () => {
    const t = await s.newTenant(uniqueName("paused"));
    const other = await s.newTenant(uniqueName("bystander"));
    expect((await raw(t.token, "GET", "/Users?count=0")).status).toBe(200);

    await s.tenants.pauseScim({ tenantId: t.tenantId, reason: "scoping filter wrong" }, support);
    const paused = await eventually(t.token, "/Users?count=0", 503);
    expect(paused.status).toBe(503);
    expect(paused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(paused.body.detail).toMatch(/paused by Cosafe support/);
    const userName = uniqueName("while-paused");
    const post = await raw(t.token, "POST", "/Users", userBody(userName));
    expect(post.status).toBe(503);
    expect((await raw(t.token, "GET", "/Groups")).status).toBe(503);
    expect((await raw(other.token, "GET", "/Users?count=0")).status).toBe(200);

    await s.tenants.resumeScim({ tenantId: t.tenantId }, support);
    expect((await eventually(t.token, "/Users?count=0", 200)).status).toBe(200);
    const retried = await t.http.post("/Users", userBody(userName));
    expect(retried.status).toBe(201);
  });
});

describe("issue 7: handing control back", () => {
  it("R6/R12: unadopt → the administrator may edit mapped attributes → the IdP's next write adopts the user again", async () => {
    const t = await s.newTenant(uniqueName("unadopt"));
    const created = await t.http.create("Users", userBody(uniqueName("u")));
    const edit = {
      tenantId: t.tenantId,
      user: { id: created.id, displayName: "Renamed in the admin panel" },
      updateMask: { paths: ["display_name"] },
    };
    await expect(s.users.updateUser(edit, adminOf(t.tenantId))).rejects.toThrow(/display_name|displayName/);

    const out = await s.users.unadoptUser({ tenantId: t.tenantId, userId: created.id }, adminOf(t.tenantId));
    expect(out.user?.managedBy).toBe(ManagedBy.MANUAL);
    const edited = await s.users.updateUser(edit, adminOf(t.tenantId));
    expect(edited.user?.displayName).toBe("Renamed in the admin panel");

    const res = await t.http.patch(
      `/Users/${created.id}`,
      patchOp({ op: "replace", path: "title", value: "Crisis lead" }),
    );
    expect(res.status).toBe(200);
    const { user } = await s.users.getUser({ tenantId: t.tenantId, userId: created.id }, support);
    expect(user?.managedBy).toBe(ManagedBy.SCIM);
    expect(user?.title).toBe("Crisis lead");
  });

  it("disable-scim: the old token answers 401, every user is manual; a new token works again", async () => {
    const t = await s.newTenant(uniqueName("scim-off"));
    const created = await t.http.create("Users", userBody(uniqueName("u")));
    const out = await s.tenants.disableScim({ tenantId: t.tenantId }, support);
    expect(out.tokensRevoked).toBe(1);
    expect(out.usersUnadopted).toBe(1);
    const refused = await eventually(t.token, "/Users?count=0", 401);
    expect(refused.status).toBe(401);
    const { user } = await s.users.getUser({ tenantId: t.tenantId, userId: created.id }, support);
    expect(user?.managedBy).toBe(ManagedBy.MANUAL);

    const { secret } = await s.tokens.issueScimToken({ tenantId: t.tenantId, name: "new" }, support);
    expect((await raw(secret, "GET", `/Users/${created.id}`)).status).toBe(200);
  });
});
