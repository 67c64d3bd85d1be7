import { createClient } from "@connectrpc/connect";
import { ActorType, ManagedBy, Role, UserService } from "@cosafe/proto/identity";
import { actorHeaders, createServiceTransport } from "@cosafe/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "../src/exit-codes.js";
import { type CliStack, parseJson, startCliStack } from "./support/cli-harness.js";

/**
 * Issue 7 through the CLI on the real stack: pause and resume SCIM, un-adopt a user, unlink a
 * group, switch SCIM off — each checked over SCIM HTTP as the identity provider sees it.
 */
let s: CliStack;

beforeAll(async () => {
  s = await startCliStack();
});

afterAll(() => s?.stop());

const userSchema = "urn:ietf:params:scim:schemas:core:2.0:User";
const groupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group";

async function scim(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${s.stack.scimBaseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/scim+json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary SCIM JSON.
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as any };
}

/** Polls until the status is as expected; the facade caches the token and the pause ≤ 5 s. */
async function eventually(token: string, status: number) {
  const deadline = Date.now() + 8000;
  for (;;) {
    const res = await scim(token, "GET", "/Users?count=0");
    if (res.status === status || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function tenantWithToken(name: string) {
  const { tenant } = parseJson<{ tenant: { id: string } }>(await s.cli(["tenant", "create", name, "--json"]));
  expect((await s.cli(["seats", "set-limit", tenant.id, "10"])).code).toBe(ExitCode.OK);
  const issued = parseJson<{ secret: string }>(await s.cli(["token", "issue", tenant.id, "--json"]));
  return { tenantId: tenant.id, token: issued.secret };
}

describe("issue 7: pause, hand back and switch off SCIM with the CLI", () => {
  it("tenant pause → SCIM answers 503 + Retry-After → tenant show says paused → tenant resume → SCIM works", async () => {
    const t = await tenantWithToken("Paused Corp");
    const paused = await s.cli(["tenant", "pause", t.tenantId, "--reason", "ticket 4711"]);
    expect(paused.code, paused.stderr).toBe(ExitCode.OK);
    expect(paused.stdout).toMatch(/Paused SCIM provisioning/);
    const refused = await eventually(t.token, 503);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBeTruthy();
    expect(refused.body.detail).toMatch(/paused by Cosafe support/);
    expect((await s.cli(["tenant", "show", t.tenantId])).stdout).toMatch(/PAUSED since .* ticket 4711/);
    expect((await s.cli(["tenant", "pause", t.tenantId])).stdout).toMatch(/already paused/);

    const resumed = parseJson<{ changed: boolean }>(await s.cli(["tenant", "resume", t.tenantId, "--json"]));
    expect(resumed.changed).toBe(true);
    expect((await eventually(t.token, 200)).status).toBe(200);
  });

  it("user unadopt → admin edit allowed → the IdP's next write adopts again (R12); group unlink makes memberships manual, audited", async () => {
    const t = await tenantWithToken("Handback Corp");
    const user = await scim(t.token, "POST", "/Users", {
      schemas: [userSchema],
      userName: "ada@example.com",
    });
    expect(user.status).toBe(201);
    const group = await scim(t.token, "POST", "/Groups", {
      schemas: [groupSchema],
      displayName: "Crisis team",
      members: [{ value: user.body.id }],
    });
    expect(group.status).toBe(201);

    const unadopted = parseJson<{ user: { managedBy: string }; changed: boolean }>(
      await s.cli(["user", "unadopt", t.tenantId, user.body.id, "--json"]),
    );
    expect(unadopted).toMatchObject({ user: { managedBy: "MANAGED_BY_MANUAL" }, changed: true });
    const admin = createClient(
      UserService,
      createServiceTransport({ baseUrl: s.stack.identityCoreUrl, credential: s.stack.credential }),
    );
    const adminCall = {
      headers: actorHeaders({
        type: ActorType.PERSON,
        id: "admin@x",
        role: Role.ADMIN,
        tenantId: t.tenantId,
      }),
    };
    const edited = await admin.updateUser(
      {
        tenantId: t.tenantId,
        user: { id: user.body.id, displayName: "Ada (admin)" },
        updateMask: { paths: ["display_name"] },
      },
      adminCall,
    );
    expect(edited.user?.displayName).toBe("Ada (admin)");
    const patched = await scim(t.token, "PATCH", `/Users/${user.body.id}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", path: "title", value: "Lead" }],
    });
    expect(patched.status).toBe(200);
    const { user: after } = await admin.getUser({ tenantId: t.tenantId, userId: user.body.id }, adminCall);
    expect(after?.managedBy).toBe(ManagedBy.SCIM); // adopted again (R12)

    const unlinked = await s.cli(["group", "unlink", t.tenantId, group.body.id]);
    expect(unlinked.code, unlinked.stderr).toBe(ExitCode.OK);
    expect(unlinked.stdout).toMatch(/memberships made manual\s+1/);
    const again = parseJson<{ changed: boolean }>(
      await s.cli(["group", "unlink", t.tenantId, group.body.id, "--json"]),
    );
    expect(again.changed).toBe(false);
    const audit = await s.cli(["audit", t.tenantId, "--target", group.body.id, "--json"]);
    expect(audit.stdout).toMatch(/group\.unlinked/);
  });

  it("tenant disable-scim needs --yes; then the old token answers 401 and everything is manual", async () => {
    const t = await tenantWithToken("Off Corp");
    const user = await scim(t.token, "POST", "/Users", {
      schemas: [userSchema],
      userName: "bob@example.com",
    });
    expect(user.status).toBe(201);
    const unconfirmed = await s.cli(["tenant", "disable-scim", t.tenantId]);
    expect(unconfirmed.code).toBe(ExitCode.USAGE);
    expect(unconfirmed.stderr).toMatch(/--yes/);

    const out = parseJson<{ result: { tokensRevoked: number; usersUnadopted: number } }>(
      await s.cli(["tenant", "disable-scim", t.tenantId, "--yes", "--json"]),
    );
    expect(out.result).toMatchObject({ tokensRevoked: 1, usersUnadopted: 1 });
    expect((await eventually(t.token, 401)).status).toBe(401);
  });

  it("unknown tenants and users fail with exit 1", async () => {
    const missing = await s.cli(["tenant", "pause", "7b0d5c52-3c57-4d2e-9a55-000000000000"]);
    expect(missing.code).toBe(ExitCode.FAILURE);
    const t = await tenantWithToken("Typo Corp");
    const noUser = await s.cli(["user", "unadopt", t.tenantId, "7b0d5c52-3c57-4d2e-9a55-000000000000"]);
    expect(noUser.code).toBe(ExitCode.FAILURE);
    expect(noUser.stderr).toMatch(/USER_NOT_FOUND/);
  });
});
