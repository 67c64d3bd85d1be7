import { createClient } from "@connectrpc/connect";
import { OAuthClientService } from "@cosafe/proto/identity";
import { createServiceTransport } from "@cosafe/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScimHttp } from "./scim-http.js";
import { type RunningStack, startRunningStack, support } from "./stack-harness.js";

/**
 * Issue 16: OAuth 2.0 client credentials (RFC 6749 §4.4) over the running stack — a client
 * issued over gRPC, a token from the facade's endpoint, SCIM with it, and R21's 5-second
 * revocation promise when the client is revoked.
 */
let s: RunningStack;
let clients: ReturnType<typeof createClient<typeof OAuthClientService>>;
let tokenUrl: string;

beforeAll(async () => {
  s = await startRunningStack();
  clients = createClient(
    OAuthClientService,
    createServiceTransport({ baseUrl: s.stack.identityCoreUrl, credential: s.stack.credential }),
  );
  tokenUrl = `${s.scim}/oauth/token`;
}, 120_000);

afterAll(async () => {
  await s?.stop();
});

async function requestToken(body: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(body).toString(),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

describe("issue 16: OAuth 2.0 client credentials", () => {
  it("a token from the endpoint works for SCIM and is refused within 5 s of its client's revocation", async () => {
    const { client, secret } = await clients.issueOAuthClient(
      { tenantId: s.tenantId, name: "Okta" },
      support,
    );
    const clientId = client?.id ?? "";
    const granted = await requestToken({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: secret,
    });
    expect(granted.status).toBe(200);
    expect(granted.headers.get("cache-control")).toBe("no-store");
    expect(granted.body).toMatchObject({ token_type: "Bearer" });
    expect(granted.body.expires_in).toBeGreaterThan(3500);
    expect(granted.body.expires_in).toBeLessThanOrEqual(3600);
    const accessToken = String(granted.body.access_token);
    const http = new ScimHttp(s.scim, accessToken);

    const created = await http.post("/Users", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName: "oauth.user@example.com",
      name: { givenName: "Oa", familyName: "User" },
      emails: [{ value: "oauth.user@example.com", primary: true }],
    });
    expect(created.status).toBe(201);
    expect((await s.http.get(`/Users/${created.body.id}`)).status).toBe(200);
    // HTTP Basic client authentication works too (RFC 6749 §2.3.1).
    const viaBasic = await requestToken(
      { grant_type: "client_credentials" },
      { authorization: basic(clientId, secret) },
    );
    expect(viaBasic.status).toBe(200);
    expect(
      (await new ScimHttp(s.scim, String(viaBasic.body.access_token)).get("/Users?count=0")).status,
    ).toBe(200);

    // Cached by the facade now; revoke the client and poll until refused.
    expect((await http.get("/Users?count=0")).status).toBe(200);
    await clients.revokeOAuthClient({ tenantId: s.tenantId, clientId }, support);
    const deadline = Date.now() + 6_000;
    let status = 200;
    while (Date.now() < deadline) {
      status = (await http.get("/Users?count=0")).status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(401);
    const again = await requestToken({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: secret,
    });
    expect([again.status, again.body.error]).toEqual([401, "invalid_client"]);
  });

  it("answers RFC 6749 §5.2 errors: wrong secret 401 invalid_client, bad grant 400, bad requests 400", async () => {
    const { client } = await clients.issueOAuthClient({ tenantId: s.tenantId, name: "Entra" }, support);
    const clientId = client?.id ?? "";
    const wrong = await requestToken({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: "cosafe_oauth_wrong",
    });
    expect([wrong.status, wrong.body.error]).toEqual([401, "invalid_client"]);
    expect(wrong.headers.get("www-authenticate")).toBeTruthy();
    const wrongBasic = await requestToken(
      { grant_type: "client_credentials" },
      { authorization: basic(clientId, "nope") },
    );
    expect([wrongBasic.status, wrongBasic.body.error]).toEqual([401, "invalid_client"]);
    expect(wrongBasic.headers.get("www-authenticate")).toMatch(/^Basic/);
    const missing = await requestToken({ grant_type: "client_credentials" });
    expect([missing.status, missing.body.error]).toEqual([401, "invalid_client"]);

    const grant = await requestToken({ grant_type: "password", client_id: clientId, client_secret: "x" });
    expect([grant.status, grant.body.error]).toEqual([400, "unsupported_grant_type"]);
    const noGrant = await requestToken({ client_id: clientId, client_secret: "x" });
    expect([noGrant.status, noGrant.body.error]).toEqual([400, "invalid_request"]);
    const json = await fetch(tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ grant_type: "client_credentials" }),
    });
    expect([json.status, ((await json.json()) as { error: string }).error]).toEqual([400, "invalid_request"]);
    const both = await requestToken(
      { grant_type: "client_credentials", client_id: clientId, client_secret: "x" },
      { authorization: basic(clientId, "x") },
    );
    expect([both.status, both.body.error]).toEqual([400, "invalid_request"]);
    // A client secret is not a bearer token.
    expect((await s.http.get("/Users?count=0", { token: "cosafe_oauth_wrong" })).status).toBe(401);
  });

  it("advertises the token endpoint in /ServiceProviderConfig, keeping the long-lived bearer token", async () => {
    const res = await s.http.get("/ServiceProviderConfig");
    expect(res.body.authenticationSchemes).toEqual([
      expect.objectContaining({ type: "oauthbearertoken", primary: true }),
      expect.objectContaining({
        type: "oauthbearertoken",
        description: expect.stringContaining(tokenUrl),
        specUri: "https://www.rfc-editor.org/rfc/rfc6749#section-4.4",
      }),
    ]);
  });
});
