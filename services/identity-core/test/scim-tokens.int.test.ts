import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { reasonOf } from "@cosafe/rpc";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  as,
  type CoreHarness,
  startCoreHarness,
  supportActor,
  systemCaller,
} from "./support/core-harness.js";

let h: CoreHarness;
let tenantId: string;
let db: pg.Pool;

beforeAll(async () => {
  h = await startCoreHarness();
  tenantId = await h.newTenant();
  db = new pg.Pool({ connectionString: h.database.url, max: 2 });
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

describe("R21: SCIM tokens", () => {
  it("issues a prefixed high-entropy secret once and stores only its SHA-256 hash", async () => {
    const { token, secret } = await h.tokens.issueScimToken({ tenantId, name: "Entra ID" }, as(supportActor));
    expect(secret).toMatch(/^cosafe_scim_[A-Za-z0-9_-]{43}$/);
    expect(token?.hint).toBe(`${secret.slice(0, 16)}…`);
    const stored = await db.query("select * from identity.scim_token where id = $1", [token?.id]);
    const row = JSON.stringify(stored.rows[0]);
    expect(row).not.toContain(secret.slice(12));
    expect(stored.rows[0].secret_hash).toHaveLength(32);
    const audit = await db.query("select after from identity.audit_event where target_id = $1", [token?.id]);
    expect(JSON.stringify(audit.rows)).not.toContain(secret.slice(12));
  });

  it("authenticates a valid secret to its tenant and token", async () => {
    const { token, secret } = await h.tokens.issueScimToken({ tenantId, name: "Okta" }, as(supportActor));
    const auth = await h.tokens.authenticateScimToken({ secret }, as(systemCaller));
    expect(auth).toMatchObject({ tenantId, tokenId: token?.id });
    const { tokens } = await h.tokens.listScimTokens({ tenantId }, as(supportActor));
    expect(tokens.find((t) => t.id === token?.id)?.lastUseTime).toBeDefined();
  });

  it("refuses unknown, revoked and expired secrets with distinct reasons", async () => {
    expect(
      reasonOf(
        await failure(h.tokens.authenticateScimToken({ secret: "cosafe_scim_nope" }, as(systemCaller))),
      ),
    ).toBe("TOKEN_INVALID");
    const { token, secret } = await h.tokens.issueScimToken(
      { tenantId, name: "to revoke" },
      as(supportActor),
    );
    await h.tokens.revokeScimToken({ tenantId, tokenId: token?.id }, as(supportActor));
    const revoked = await failure(h.tokens.authenticateScimToken({ secret }, as(systemCaller)));
    expect([revoked.code, reasonOf(revoked)]).toEqual([Code.Unauthenticated, "TOKEN_REVOKED"]);

    const soon = await h.tokens.issueScimToken(
      { tenantId, name: "short", expireTime: timestampFromDate(new Date(Date.now() + 60_000)) },
      as(supportActor),
    );
    await db.query("update identity.scim_token set expires_at = now() - interval '1 second' where id = $1", [
      soon.token?.id,
    ]);
    expect(
      reasonOf(await failure(h.tokens.authenticateScimToken({ secret: soon.secret }, as(systemCaller)))),
    ).toBe("TOKEN_EXPIRED");
  });

  it("refuses an expiry in the past and hides revoked tokens unless asked", async () => {
    const past = await failure(
      h.tokens.issueScimToken(
        { tenantId, name: "x", expireTime: timestampFromDate(new Date(Date.now() - 1000)) },
        as(supportActor),
      ),
    );
    expect(reasonOf(past)).toBe("EXPIRY_IN_PAST");
    const active = await h.tokens.listScimTokens({ tenantId }, as(supportActor));
    const all = await h.tokens.listScimTokens({ tenantId, showRevoked: true }, as(supportActor));
    expect(all.tokens.length).toBeGreaterThan(active.tokens.length);
    expect(active.tokens.every((t) => !t.revokeTime)).toBe(true);
  });

  it("only internal services may authenticate secrets", async () => {
    const { secret } = await h.tokens.issueScimToken({ tenantId, name: "x" }, as(supportActor));
    expect((await failure(h.tokens.authenticateScimToken({ secret }, as(supportActor)))).code).toBe(
      Code.PermissionDenied,
    );
  });
});
