import { ManagedBy, UserState } from "@cosafe/proto/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { patchOp, type ScimHttp, uniqueName, userBody, userSchema } from "./scim-http.js";
import { adminOf, type RunningStack, startRunningStack, support } from "./stack-harness.js";

/**
 * The product rules about users (../shared/spec/domain-rules.md) over SCIM HTTP on the whole
 * stack. Every write is checked by reading the stored state again — over SCIM (GET) or, for
 * what SCIM cannot see, over gRPC as support.
 */
let s: RunningStack;
let scim: ScimHttp;

beforeAll(async () => {
  s = await startRunningStack();
  scim = s.http;
});

afterAll(() => s?.stop());

const coreUser = async (userId: string) => {
  const { user } = await s.users.getUser({ tenantId: s.tenantId, userId }, support);
  if (!user) throw new Error(`no user ${userId}`);
  return user;
};

const countUsers = async (filter: string) =>
  (await scim.filter("Users", filter, { count: "0" })).body.totalResults as number;

describe("R1 required attributes", () => {
  it("R1: a create without userName is 400 invalidValue and stores nothing", async () => {
    const before = (await scim.get("/Users?count=0")).body.totalResults;
    const res = await scim.post("/Users", {
      schemas: [userSchema],
      displayName: "No Name",
      externalId: "r1-x",
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: "400", scimType: "invalidValue" });
    expect((await scim.get("/Users?count=0")).body.totalResults).toBe(before);
    expect(await countUsers('externalId eq "r1-x"')).toBe(0);
  });

  it("R1: displayName is derived from name.formatted, else given + family name, else userName", async () => {
    const formatted = await scim.create(
      "Users",
      userBody(uniqueName("r1a"), { name: { formatted: "Dr. Ada Lovelace", givenName: "Ada" } }),
    );
    const parts = await scim.create(
      "Users",
      userBody(uniqueName("r1b"), { name: { givenName: "Grace", familyName: "Hopper" } }),
    );
    const bare = uniqueName("r1c");
    const onlyUserName = await scim.create("Users", { schemas: [userSchema], userName: bare });
    expect((await scim.read("Users", formatted.id)).displayName).toBe("Dr. Ada Lovelace");
    expect((await scim.read("Users", parts.id)).displayName).toBe("Grace Hopper");
    expect((await scim.read("Users", onlyUserName.id)).displayName).toBe(bare);
  });

  it("R1: userName is unique per tenant case-insensitively; externalId is not unique", async () => {
    const userName = uniqueName("r1-dup");
    const first = await scim.create("Users", userBody(userName, { externalId: "shared-ext" }));
    const dup = await scim.post("/Users", userBody(userName.toUpperCase()));
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ status: "409", scimType: "uniqueness" });
    const second = await scim.create("Users", userBody(uniqueName("r1-dup2"), { externalId: "shared-ext" }));
    const both = await scim.filter("Users", 'externalId eq "shared-ext"');
    expect(both.body.totalResults).toBe(2);
    expect(both.body.Resources.map((r: { id: string }) => r.id).sort()).toEqual([first.id, second.id].sort());
  });

  it("R1: a PUT without userName is 400 invalidValue and changes nothing", async () => {
    const user = await scim.create("Users", userBody(uniqueName("r1-put"), { title: "Kept" }));
    const res = await scim.put(`/Users/${user.id}`, { schemas: [userSchema], title: "Lost" });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ scimType: "invalidValue" });
    expect((await scim.read("Users", user.id)).title).toBe("Kept");
  });
});

describe("R2 synchronised attributes", () => {
  it("R2: stored attributes round-trip exactly as sent; ignored attributes are accepted and not returned", async () => {
    const userName = uniqueName("r2");
    const sent = {
      schemas: [userSchema, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
      userName,
      externalId: "R2-Ext-Case",
      displayName: "Rita Two",
      title: "Head of Crisis Response",
      name: { formatted: "Rita Two", givenName: "Rita", familyName: "Two" },
      emails: [
        { value: "rita@work.example", type: "work", primary: true },
        { value: "rita@home.example", type: "home" },
      ],
      phoneNumbers: [
        { value: "+44 20 7946 0958", type: "work", primary: true },
        { value: "(555) 010-9999 ext. 12", type: "mobile" },
        { value: "not a number", type: "other" },
      ],
      addresses: [{ type: "work", streetAddress: "1 Main St", locality: "Springfield" }],
      nickName: "Ri",
      locale: "en-GB",
      roles: [{ value: "admin" }],
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
        employeeNumber: "701984",
        department: "Security",
        manager: { value: "26118915-6090-4610-87e4-49d8ca9f808d" },
      },
    };
    const created = await scim.create("Users", sent);
    const stored = await scim.read("Users", created.id);
    const { userName: u, externalId, displayName, title, name, emails, phoneNumbers } = sent;
    const kept = { userName: u, externalId, displayName, title, name, emails, phoneNumbers };
    expect(stored).toMatchObject({ ...kept, active: true });
    for (const ignored of [
      "addresses",
      "nickName",
      "locale",
      "roles",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ]) {
      expect(stored).not.toHaveProperty([ignored]);
    }
    expect(stored.schemas).toEqual([userSchema]);
    // The E.164 copy for alerting exists next to the value as sent (R2), over gRPC only.
    const phones = (await coreUser(created.id)).phoneNumbers;
    expect(phones.map((p) => p.value)).toEqual(sent.phoneNumbers.map((p) => p.value));
    expect(phones[0]?.e164).toBe("+442079460958");
    expect(phones[2]?.e164).toBe("");
  });

  it("R2: userName, displayName, title, phoneNumbers, externalId are updatable over PATCH", async () => {
    const user = await scim.create("Users", userBody(uniqueName("r2-upd"), { title: "Old" }));
    const newName = uniqueName("r2-renamed");
    const res = await scim.patch(
      `/Users/${user.id}`,
      patchOp(
        { op: "replace", path: "userName", value: newName },
        { op: "replace", path: "displayName", value: "New Display" },
        { op: "replace", path: "title", value: "New" },
        { op: "add", path: "phoneNumbers", value: [{ value: "+1 555 0100", type: "mobile" }] },
        { op: "replace", path: "externalId", value: "r2-ext-new" },
      ),
    );
    expect(res.status).toBe(200);
    expect(await scim.read("Users", user.id)).toMatchObject({
      userName: newName,
      displayName: "New Display",
      title: "New",
      externalId: "r2-ext-new",
      phoneNumbers: [{ value: "+1 555 0100", type: "mobile" }],
    });
  });
});

describe("R3 activation", () => {
  it("R3: a SCIM-created user is active at once and no invitation is sent", async () => {
    const user = await scim.create(
      "Users",
      userBody(uniqueName("r3"), { emails: [{ value: "r3@example.com", type: "work", primary: true }] }),
    );
    expect((await scim.read("Users", user.id)).active).toBe(true);
    const core = await coreUser(user.id);
    expect(core.state).toBe(UserState.PROVISIONED);
    expect(core.managedBy).toBe(ManagedBy.SCIM);
    const { events } = await s.audit.listAuditEvents({ tenantId: s.tenantId, targetId: user.id }, support);
    expect(events.map((e) => e.action)).toContain("user.created");
    expect(events.map((e) => e.action)).not.toContain("user.invited");
  });
});

describe("R4 deactivation deprovisions", () => {
  it("R4: active=false reads back false and takes away access and the seat; active=true restores", async () => {
    const user = await scim.create("Users", userBody(uniqueName("r4")));
    const provisioned = await coreUser(user.id);
    // Seats are checked only when identity-core meters them (see the R9 test).
    const metered = provisioned.seatId !== "";
    const off = await scim.patch(
      `/Users/${user.id}`,
      patchOp({ op: "replace", path: "active", value: false }),
    );
    expect(off.status).toBe(200);
    expect((await scim.read("Users", user.id)).active).toBe(false);
    const deprovisioned = await coreUser(user.id);
    expect(deprovisioned.state).toBe(UserState.DEPROVISIONED);
    expect(deprovisioned.seatId).toBe("");
    const on = await scim.patch(`/Users/${user.id}`, patchOp({ op: "replace", path: "active", value: true }));
    expect(on.status).toBe(200);
    expect((await scim.read("Users", user.id)).active).toBe(true);
    const back = await coreUser(user.id);
    expect(back.state).toBe(UserState.PROVISIONED);
    if (metered) expect(back.seatId).not.toBe(provisioned.seatId);
  });

  it("R4: a create with active=false stores a deprovisioned user without a seat", async () => {
    const user = await scim.create("Users", userBody(uniqueName("r4-off"), { active: false }));
    expect((await scim.read("Users", user.id)).active).toBe(false);
    const core = await coreUser(user.id);
    expect(core.state).toBe(UserState.DEPROVISIONED);
    expect(core.seatId).toBe("");
  });
});

describe("R4b PUT", () => {
  it("R4b: PUT replaces what it carries, clears omitted optional attributes and keeps active when absent", async () => {
    const user = await scim.create(
      "Users",
      userBody(uniqueName("r4b"), {
        externalId: "r4b-ext",
        displayName: "Before",
        title: "Before",
        emails: [{ value: "r4b@example.com", type: "work" }],
        phoneNumbers: [{ value: "+1 555 0101", type: "work" }],
      }),
    );
    await scim.patch(`/Users/${user.id}`, patchOp({ op: "replace", path: "active", value: false }));
    const userName = String(user.userName);
    const res = await scim.put(`/Users/${user.id}`, {
      schemas: [userSchema],
      userName,
      displayName: "After",
    });
    expect(res.status).toBe(200);
    const stored = await scim.read("Users", user.id);
    expect(stored).toMatchObject({ userName, displayName: "After", active: false });
    for (const cleared of ["externalId", "title", "emails", "phoneNumbers", "name"]) {
      expect(stored, cleared).not.toHaveProperty([cleared]);
    }
  });

  it("R4b: a PUT with active true re-provisions; the resource's id in the body is ignored", async () => {
    const user = await scim.create("Users", userBody(uniqueName("r4b-on"), { active: false }));
    const res = await scim.put(`/Users/${user.id}`, {
      ...userBody(String(user.userName)),
      id: "00000000-0000-4000-8000-000000000000",
      active: true,
    });
    expect(res.status).toBe(200);
    expect(await scim.read("Users", user.id)).toMatchObject({ id: user.id, active: true });
  });
});

describe("R5 deletion", () => {
  it("R5: DELETE → later reads 404, the userName is free again and a new create gets a new id; audit kept", async () => {
    const userName = uniqueName("r5");
    const user = await scim.create("Users", userBody(userName));
    expect((await scim.delete(`/Users/${user.id}`)).status).toBe(204);
    for (const res of [
      await scim.get(`/Users/${user.id}`),
      await scim.patch(`/Users/${user.id}`, patchOp({ op: "replace", path: "title", value: "x" })),
      await scim.put(`/Users/${user.id}`, userBody(userName)),
      await scim.delete(`/Users/${user.id}`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ status: "404" });
    }
    expect(await countUsers(`userName eq "${userName}"`)).toBe(0);
    const again = await scim.create("Users", userBody(userName));
    expect(again.id).not.toBe(user.id);
    expect((await scim.read("Users", again.id)).userName).toBe(userName);
    const { events } = await s.audit.listAuditEvents({ tenantId: s.tenantId, targetId: user.id }, support);
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(["user.created", "user.deleted"]));
  });
});

describe("R12 adoption", () => {
  it("R12: a manual user is found by SCIM filter, a POST of its userName is 409, the first PATCH adopts it", async () => {
    const userName = uniqueName("r12");
    const { user: manual } = await s.users.createUser(
      {
        tenantId: s.tenantId,
        user: { userName, displayName: "Manual Mary", title: "Set in the admin panel" },
      },
      adminOf(s.tenantId),
    );
    if (!manual) throw new Error("no user");
    expect(manual.managedBy).toBe(ManagedBy.MANUAL);
    const found = await scim.filter("Users", `userName eq "${userName.toUpperCase()}"`);
    expect(found.body).toMatchObject({ totalResults: 1, Resources: [{ id: manual.id, active: true }] });
    const dup = await scim.post("/Users", userBody(userName));
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ scimType: "uniqueness" });
    expect((await coreUser(manual.id)).managedBy).toBe(ManagedBy.MANUAL);

    const res = await scim.patch(
      `/Users/${manual.id}`,
      patchOp({ op: "replace", path: "title", value: "From Entra" }),
    );
    expect(res.status).toBe(200);
    const adopted = await coreUser(manual.id);
    expect(adopted.managedBy).toBe(ManagedBy.SCIM);
    expect(adopted.title).toBe("From Entra");
    const { events } = await s.audit.listAuditEvents({ tenantId: s.tenantId, targetId: manual.id }, support);
    expect(events.map((e) => e.action)).toContain("user.adopted");
  });

  it("R12: a SCIM DELETE of a manual user adopts and deletes it", async () => {
    const { user: manual } = await s.users.createUser(
      { tenantId: s.tenantId, user: { userName: uniqueName("r12-del"), displayName: "Manual Max" } },
      adminOf(s.tenantId),
    );
    expect((await scim.delete(`/Users/${manual?.id}`)).status).toBe(204);
    expect((await scim.get(`/Users/${manual?.id}`)).status).toBe(404);
  });
});

describe("R9 seat limit", () => {
  it("R9: with no seat free a create is 403 saying the licence limit is reached, and stores nothing", async () => {
    const other = await s.newTenant("R9 Customer", 1);
    const first = await other.http.create("Users", userBody(uniqueName("r9-a")));
    const { user } = await s.users.getUser({ tenantId: other.tenantId, userId: first.id }, support);
    expect(user?.seatId).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await other.http.post("/Users", userBody(uniqueName("r9-b"), { externalId: "r9-b" }));
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ status: "403" });
    expect(refused.body.detail).toMatch(/licen[cs]e/i);
    expect((await other.http.filter("Users", 'externalId eq "r9-b"')).body.totalResults).toBe(0);

    // Deprovisioning frees the seat; re-activation needs one again.
    await other.http.patch(`/Users/${first.id}`, patchOp({ op: "replace", path: "active", value: false }));
    const second = await other.http.create("Users", userBody(uniqueName("r9-c")));
    const reactivate = await other.http.patch(
      `/Users/${first.id}`,
      patchOp({ op: "replace", path: "active", value: true }),
    );
    expect(reactivate.status).toBe(403);
    expect((await other.http.read("Users", first.id)).active).toBe(false);

    // Support raises the limit: the IdP's retry succeeds with no other action.
    await s.licensing.setSeatLimit({ tenantId: other.tenantId, seatLimit: 2 }, support);
    const retry = await other.http.patch(
      `/Users/${first.id}`,
      patchOp({ op: "replace", path: "active", value: true }),
    );
    expect(retry.status).toBe(200);
    expect((await other.http.read("Users", first.id)).active).toBe(true);
    expect((await other.http.read("Users", second.id)).active).toBe(true);
  });
});

describe("R21 tokens and tenant isolation", () => {
  it("R21: no token or an invalid one is 401 with WWW-Authenticate and a SCIM body", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer cosafe_scim_invalid" },
      { authorization: "Basic dXNlcjpwYXNz" },
    ];
    for (const headers of attempts) {
      const res = await scim.get("/Users", { token: null, headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(res.body).toMatchObject({
        schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
        status: "401",
      });
    }
  });

  it("R21: a revoked token is refused within the cache time-to-live (≤ 5 s)", async () => {
    const { tenantId, tokenId, http } = await s.newTenant("R21 Revoked");
    expect((await http.get("/Users?count=0")).status).toBe(200);
    await s.tokens.revokeScimToken({ tenantId, tokenId }, support);
    const deadline = Date.now() + 6_000;
    let status = 200;
    while (Date.now() < deadline) {
      status = (await http.get("/Users?count=0")).status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(401);
  });

  it("R21: another tenant's users answer 404 exactly like missing ids, for every method, and are never listed", async () => {
    const user = await scim.create("Users", userBody(uniqueName("r21"), { externalId: "r21-ext" }));
    const other = await s.newTenant("R21 Other");
    const missing = "00000000-0000-4000-8000-000000000000";
    const attempts = (id: string) => [
      other.http.get(`/Users/${id}`),
      other.http.put(`/Users/${id}`, userBody(uniqueName("r21-put"))),
      other.http.patch(`/Users/${id}`, patchOp({ op: "replace", path: "title", value: "x" })),
      other.http.delete(`/Users/${id}`),
    ];
    const foreign = await Promise.all(attempts(user.id));
    const absent = await Promise.all(attempts(missing));
    for (const [i, res] of foreign.entries()) {
      expect(res.status).toBe(404);
      expect(res.text.replace(user.id, "<id>")).toBe(absent[i]?.text.replace(missing, "<id>"));
    }
    expect((await other.http.filter("Users", 'externalId eq "r21-ext"')).body.totalResults).toBe(0);
    expect((await scim.read("Users", user.id)).title).toBeUndefined();
  });
});
