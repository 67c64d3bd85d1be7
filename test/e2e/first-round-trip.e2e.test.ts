import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningStack, startRunningStack, support } from "./stack-harness.js";

let s: RunningStack;

beforeAll(async () => {
  s = await startRunningStack();
});

afterAll(() => s?.stop());

const scimJson = "application/scim+json";

/** The parts of SCIM responses these tests read. */
type ScimBody = Record<string, unknown> & {
  id: string;
  meta: { location: string; created: string; lastModified: string };
  Resources: { id: string }[];
};

async function request(path: string, init: RequestInit & { token?: string | null } = {}) {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? s.token : init.token;
  if (token) headers.set("authorization", `Bearer ${token}`);
  if (init.body) headers.set("content-type", headers.get("content-type") ?? scimJson);
  const res = await fetch(`${s.scim}${path}`, { ...init, headers });
  expect(res.status, `no 5xx: ${init.method ?? "GET"} ${path}`).toBeLessThan(500);
  return res;
}

const bjensen = {
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
  userName: "bjensen@example.com",
  externalId: "bjensen-entra-1",
  name: { givenName: "Barbara", familyName: "Jensen" },
  emails: [{ value: "bjensen@example.com", type: "work", primary: true }],
  title: "Crisis Coordinator",
};

describe("first round trip: IdP → SCIM facade → gRPC → identity-core → PostgreSQL", () => {
  let id: string;

  it("POST /Users creates the user: 201, Location, ETag and full meta in application/scim+json", async () => {
    const res = await request("/Users", {
      method: "POST",
      body: JSON.stringify(bjensen),
      headers: { "x-request-id": "e2e-create-1" },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toBe("application/scim+json; charset=utf-8");
    const body = (await res.json()) as ScimBody;
    id = body.id;
    expect(body).toMatchObject({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName: "bjensen@example.com",
      displayName: "Barbara Jensen",
      externalId: "bjensen-entra-1",
      active: true,
      title: "Crisis Coordinator",
      name: { givenName: "Barbara", familyName: "Jensen" },
      emails: [{ value: "bjensen@example.com", type: "work", primary: true }],
    });
    expect(body.meta).toMatchObject({
      resourceType: "User",
      location: `${s.scim}/Users/${id}`,
      version: 'W/"1"',
    });
    expect(Date.parse(body.meta.created)).not.toBeNaN();
    expect(Date.parse(body.meta.lastModified)).not.toBeNaN();
    expect(res.headers.get("location")).toBe(body.meta.location);
    expect(res.headers.get("etag")).toBe('W/"1"');
  });

  it("GET /Users/{id} reads the stored user back", async () => {
    const res = await request(`/Users/${id}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as ScimBody;
    expect(body).toMatchObject({ id, userName: "bjensen@example.com", externalId: "bjensen-entra-1" });
  });

  it('GET /Users?filter=userName eq "…" finds it, case-insensitively, in a ListResponse', async () => {
    const res = await request(`/Users?filter=${encodeURIComponent('userName eq "BJensen@Example.com"')}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as ScimBody;
    expect(body).toMatchObject({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
      totalResults: 1,
      startIndex: 1,
      itemsPerPage: 1,
    });
    expect(body.Resources[0]?.id).toBe(id);
  });

  it("the Entra connection test (filter on a random userName) answers 200 with an empty list", async () => {
    const res = await request(
      `/Users?filter=${encodeURIComponent('userName eq "1f3c6f7e-0a0b-4c1d-9e8f-123456789abc"')}`,
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it("R22: the create left an audit event with the SCIM token as actor and the request id", async () => {
    const { events } = await s.audit.listAuditEvents({ tenantId: s.tenantId, targetId: id }, support);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "user.created", requestId: "e2e-create-1" });
    expect(events[0]?.actor?.role).toBe(1 /* SCIM */);
  });

  it("R1: POST with an existing userName is 409 uniqueness; without userName 400 invalidValue", async () => {
    const dup = await request("/Users", {
      method: "POST",
      body: JSON.stringify({ ...bjensen, userName: "BJENSEN@example.com" }),
    });
    expect(dup.status).toBe(409);
    expect(await dup.json()).toMatchObject({ status: "409", scimType: "uniqueness" });
    const missing = await request("/Users", {
      method: "POST",
      body: JSON.stringify({ displayName: "Nobody" }),
    });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: "400",
      scimType: "invalidValue",
    });
  });

  it("malformed JSON is 400 invalidSyntax; an unknown filter attribute is 400 invalidFilter", async () => {
    const bad = await request("/Users", { method: "POST", body: "{not json" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ scimType: "invalidSyntax" });
    const filter = await request(`/Users?filter=${encodeURIComponent('nickName eq "x"')}`);
    expect(filter.status).toBe(400);
    expect(await filter.json()).toMatchObject({ scimType: "invalidFilter" });
  });

  it("R21: missing or wrong bearer tokens get a 401 SCIM error body", async () => {
    for (const token of [null, "cosafe_scim_not-a-real-token"]) {
      const res = await request("/Users", { token });
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toBe("application/scim+json; charset=utf-8");
      expect(await res.json()).toMatchObject({
        schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
        status: "401",
      });
    }
  });

  it("R21: another tenant's token sees the user as 404, exactly like a missing id", async () => {
    const { tenant } = await s.tenants.createTenant({ displayName: "Other Customer" }, support);
    const { secret } = await s.tokens.issueScimToken({ tenantId: tenant?.id, name: "other" }, support);
    const foreign = await request(`/Users/${id}`, { token: secret });
    const missing = await request("/Users/00000000-0000-4000-8000-000000000000", { token: secret });
    expect([foreign.status, missing.status]).toEqual([404, 404]);
    const foreignBody = JSON.stringify(await foreign.json()).replace(id, "<id>");
    const missingBody = JSON.stringify(await missing.json()).replace(
      "00000000-0000-4000-8000-000000000000",
      "<id>",
    );
    expect(foreignBody).toBe(missingBody);
  });

  it("unknown endpoints answer SCIM error JSON, never HTML", async () => {
    const res = await request("/Nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ status: "404" });
  });

  it("/healthz and /readyz answer", async () => {
    const origin = new URL(s.scim).origin;
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    expect((await fetch(`${origin}/readyz`)).status).toBe(200);
  });
});
