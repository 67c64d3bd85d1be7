import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createLogger } from "@cosafe/logging";
import { OAuthClientService } from "@cosafe/proto/identity";
import { createServiceTransport, reasonOf } from "@cosafe/rpc";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccessTokenPurge } from "../src/domain/oauth-client/access-token-purge.js";
import {
  as,
  type CoreHarness,
  startCoreHarness,
  supportActor,
  systemCaller,
  testCredential,
} from "./support/core-harness.js";

let h: CoreHarness;
let tenantId: string;
let db: pg.Pool;
let clients: ReturnType<typeof createClient<typeof OAuthClientService>>;

beforeAll(async () => {
  h = await startCoreHarness();
  tenantId = await h.newTenant();
  db = new pg.Pool({ connectionString: h.database.url, max: 2 });
  clients = createClient(
    OAuthClientService,
    createServiceTransport({ baseUrl: h.url, credential: testCredential }),
  );
});

afterAll(async () => {
  await db?.end();
  await h?.close();
});

async function failure(promise: Promise<unknown>): Promise<ConnectError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ConnectError)) throw new Error("expected a ConnectError");
  return error;
}

describe("issue 16: OAuth client credentials (R21 storage and revocation)", () => {
  it("issues a prefixed secret once, stores only its SHA-256 hash and audits the issue", async () => {
    const { client, secret } = await clients.issueOAuthClient({ tenantId, name: "Okta" }, as(supportActor));
    expect(secret).toMatch(/^cosafe_oauth_[A-Za-z0-9_-]{43}$/);
    expect(client?.hint).toBe(`${secret.slice(0, 17)}…`);
    const stored = await db.query("select * from identity.oauth_client where id = $1", [client?.id]);
    expect(JSON.stringify(stored.rows[0])).not.toContain(secret.slice(13));
    expect(stored.rows[0].secret_hash).toHaveLength(32);
    const audit = await db.query(
      "select action, actor_role, after from identity.audit_event where target_id = $1",
      [client?.id],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(["oauth_client.issued"]);
    expect(JSON.stringify(audit.rows)).not.toContain(secret.slice(13));
  });

  it("exchanges credentials for a 1-hour access token that authenticates like a SCIM token", async () => {
    const { client, secret } = await clients.issueOAuthClient({ tenantId, name: "Entra" }, as(supportActor));
    const before = Date.now();
    const exchanged = await clients.exchangeClientCredentials(
      { clientId: client?.id, clientSecret: secret },
      as(systemCaller),
    );
    expect(exchanged.tenantId).toBe(tenantId);
    const expiresMs = Number(exchanged.expireTime?.seconds) * 1000;
    expect(expiresMs - before).toBeGreaterThan(59 * 60_000);
    expect(expiresMs - before).toBeLessThanOrEqual(61 * 60_000);
    const auth = await h.tokens.authenticateScimToken({ secret: exchanged.accessToken }, as(systemCaller));
    expect(auth.tenantId).toBe(tenantId);
    expect(auth.expireTime?.seconds).toBe(exchanged.expireTime?.seconds);
    const row = await db.query("select secret_hash, oauth_client_id from identity.scim_token where id = $1", [
      auth.tokenId,
    ]);
    expect(row.rows[0].oauth_client_id).toBe(client?.id);
    expect(JSON.stringify(row.rows[0])).not.toContain(exchanged.accessToken.slice(12));
    // Access tokens are not listed as SCIM tokens; the exchange is audited without the token.
    const { tokens } = await h.tokens.listScimTokens({ tenantId, showRevoked: true }, as(supportActor));
    expect(tokens.map((t) => t.id)).not.toContain(auth.tokenId);
    const audit = await db.query(
      "select action, after from identity.audit_event where target_id = $1 order by id",
      [client?.id],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(["oauth_client.issued", "oauth_client.token_issued"]);
    expect(JSON.stringify(audit.rows)).not.toContain(exchanged.accessToken.slice(12));
  });

  it("refuses a wrong secret, an unknown client and a non-SYSTEM caller", async () => {
    const { client } = await clients.issueOAuthClient({ tenantId, name: "wrong" }, as(supportActor));
    const wrong = await failure(
      clients.exchangeClientCredentials(
        { clientId: client?.id, clientSecret: "cosafe_oauth_nope" },
        as(systemCaller),
      ),
    );
    expect([wrong.code, reasonOf(wrong)]).toEqual([Code.Unauthenticated, "CLIENT_INVALID"]);
    const unknown = await failure(
      clients.exchangeClientCredentials({ clientId: "not-a-uuid", clientSecret: "x" }, as(systemCaller)),
    );
    expect(reasonOf(unknown)).toBe("CLIENT_INVALID");
    const bySupport = await failure(
      clients.exchangeClientCredentials({ clientId: client?.id, clientSecret: "x" }, as(supportActor)),
    );
    expect(bySupport.code).toBe(Code.PermissionDenied);
  });

  it("revoking a client revokes its access tokens and refuses further exchanges, audited once", async () => {
    const { client, secret } = await clients.issueOAuthClient({ tenantId, name: "revoke" }, as(supportActor));
    const first = await clients.exchangeClientCredentials(
      { clientId: client?.id, clientSecret: secret },
      as(systemCaller),
    );
    const second = await clients.exchangeClientCredentials(
      { clientId: client?.id, clientSecret: secret },
      as(systemCaller),
    );
    const revoked = await clients.revokeOAuthClient({ tenantId, clientId: client?.id }, as(supportActor));
    expect(revoked.client?.revokeTime).toBeDefined();
    await clients.revokeOAuthClient({ tenantId, clientId: client?.id }, as(supportActor));
    for (const token of [first, second]) {
      const refused = await failure(
        h.tokens.authenticateScimToken({ secret: token.accessToken }, as(systemCaller)),
      );
      expect(reasonOf(refused)).toBe("TOKEN_REVOKED");
    }
    const again = await failure(
      clients.exchangeClientCredentials({ clientId: client?.id, clientSecret: secret }, as(systemCaller)),
    );
    expect(reasonOf(again)).toBe("CLIENT_INVALID");
    const audit = await db.query(
      "select after from identity.audit_event where target_id = $1 and action = 'oauth_client.revoked'",
      [client?.id],
    );
    expect(audit.rows).toEqual([{ after: { revokedAccessTokens: 2 } }]);
    const listed = await clients.listOAuthClients({ tenantId }, as(supportActor));
    expect(listed.clients.map((c) => c.id)).not.toContain(client?.id);
    const all = await clients.listOAuthClients({ tenantId, showRevoked: true }, as(supportActor));
    expect(all.clients.map((c) => c.id)).toContain(client?.id);
  });

  it("another tenant's client answers NOT_FOUND on revoke", async () => {
    const other = await h.newTenant("Other");
    const { client } = await clients.issueOAuthClient({ tenantId: other, name: "theirs" }, as(supportActor));
    const error = await failure(
      clients.revokeOAuthClient({ tenantId, clientId: client?.id }, as(supportActor)),
    );
    expect([error.code, reasonOf(error)]).toEqual([Code.NotFound, "OAUTH_CLIENT_NOT_FOUND"]);
  });

  it("purges access tokens a day after expiry, never long-lived SCIM tokens", async () => {
    const { client, secret } = await clients.issueOAuthClient({ tenantId, name: "purge" }, as(supportActor));
    const exchanged = await clients.exchangeClientCredentials(
      { clientId: client?.id, clientSecret: secret },
      as(systemCaller),
    );
    const fresh = await clients.exchangeClientCredentials(
      { clientId: client?.id, clientSecret: secret },
      as(systemCaller),
    );
    const old = await h.tokens.authenticateScimToken({ secret: exchanged.accessToken }, as(systemCaller));
    const kept = await h.tokens.authenticateScimToken({ secret: fresh.accessToken }, as(systemCaller));
    const scim = await h.tokens.issueScimToken({ tenantId, name: "long-lived" }, as(supportActor));
    await db.query(
      "update identity.scim_token set expires_at = now() - interval '2 days' where id = any($1::uuid[])",
      [[old.tokenId, scim.token?.id]],
    );
    const purge = new AccessTokenPurge(h.core.orm, createLogger({ service: "test", level: "silent" }));
    expect(await purge.runOnce()).toMatchObject({ ran: true, deleted: 1 });
    const left = await db.query("select id from identity.scim_token where id = any($1::uuid[])", [
      [old.tokenId, kept.tokenId, scim.token?.id],
    ]);
    expect(left.rows.map((r) => r.id).sort()).toEqual([kept.tokenId, scim.token?.id].sort());
  });

  it("exchanges racing a revocation leave no access token of the revoked client unrevoked", async () => {
    const { client, secret } = await clients.issueOAuthClient({ tenantId, name: "race" }, as(supportActor));
    const exchange = () =>
      clients
        .exchangeClientCredentials({ clientId: client?.id, clientSecret: secret }, as(systemCaller))
        .then(
          () => "granted",
          (e: unknown) => reasonOf(e as ConnectError),
        );
    const outcomes = await Promise.all([
      ...Array.from({ length: 8 }, exchange),
      clients.revokeOAuthClient({ tenantId, clientId: client?.id }, as(supportActor)).then(() => "revoked"),
      ...Array.from({ length: 8 }, exchange),
    ]);
    // Every exchange either got a token or was refused as an invalid client: no deadlock, no other error.
    expect(outcomes.filter((o) => !["granted", "revoked", "CLIENT_INVALID"].includes(o ?? ""))).toEqual([]);
    const live = await db.query(
      "select count(*)::int as n from identity.scim_token where oauth_client_id = $1 and revoked_at is null",
      [client?.id],
    );
    expect(live.rows[0].n).toBe(0);
  });

  it("DisableScim revokes the tenant's OAuth clients and their access tokens, audited", async () => {
    const tenant = await h.newTenant("Disable Corp");
    const { client, secret } = await clients.issueOAuthClient(
      { tenantId: tenant, name: "Okta" },
      as(supportActor),
    );
    const token = await clients.exchangeClientCredentials(
      { clientId: client?.id, clientSecret: secret },
      as(systemCaller),
    );
    await h.tenants.disableScim({ tenantId: tenant }, as(supportActor));
    expect(
      reasonOf(
        await failure(h.tokens.authenticateScimToken({ secret: token.accessToken }, as(systemCaller))),
      ),
    ).toBe("TOKEN_REVOKED");
    expect(
      reasonOf(
        await failure(
          clients.exchangeClientCredentials({ clientId: client?.id, clientSecret: secret }, as(systemCaller)),
        ),
      ),
    ).toBe("CLIENT_INVALID");
    const audit = await db.query(
      "select after from identity.audit_event where target_id = $1 and action = 'oauth_client.revoked'",
      [client?.id],
    );
    expect(audit.rows).toEqual([{ after: { reason: "scim disabled" } }]);
  });
});
