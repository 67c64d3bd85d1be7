import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { TenantService, UserService } from "@cosafe/proto/identity";
import { createServiceTransport, reasonOf } from "@cosafe/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminActor,
  as,
  type CoreHarness,
  scimActor,
  startCoreHarness,
  supportActor,
} from "./support/core-harness.js";

let h: CoreHarness;
let tenantId: string;

beforeAll(async () => {
  h = await startCoreHarness();
  tenantId = await h.newTenant();
});

afterAll(() => h?.close());

async function codeOf(promise: Promise<unknown>): Promise<[Code, string | undefined]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ConnectError)) throw new Error("expected the call to fail");
  return [error.code, reasonOf(error)];
}

describe("R21b: internal callers authenticate as services and carry the actor", () => {
  it("refuses a call without a service credential", async () => {
    const anonymous = createClient(
      TenantService,
      createServiceTransport({
        baseUrl: h.url,
        credential: { service: "test-suite", secret: "wrong-secret-000000000" },
      }),
    );
    expect((await codeOf(anonymous.getTenant({ tenantId }, as(supportActor))))[0]).toBe(Code.Unauthenticated);
  });

  it("refuses a call from an unknown service even with a valid-looking secret", async () => {
    const stranger = createClient(
      UserService,
      createServiceTransport({
        baseUrl: h.url,
        credential: { service: "intruder", secret: "test-suite-secret-0123456789" },
      }),
    );
    expect((await codeOf(stranger.getUser({ tenantId, userId: "x" }, as(supportActor))))[0]).toBe(
      Code.Unauthenticated,
    );
  });

  it("refuses a call without actor metadata", async () => {
    expect((await codeOf(h.tenants.getTenant({ tenantId })))[0]).toBe(Code.Unauthenticated);
  });

  it("refuses an ADMIN actor without a tenant", async () => {
    const headers = {
      "x-cosafe-actor-type": "person",
      "x-cosafe-actor-id": "a",
      "x-cosafe-actor-role": "admin",
    };
    expect((await codeOf(h.tenants.getTenant({ tenantId }, { headers })))[0]).toBe(Code.Unauthenticated);
  });

  it("only SUPPORT creates tenants", async () => {
    expect(await codeOf(h.tenants.createTenant({ displayName: "Nope" }, as(adminActor(tenantId))))).toEqual([
      Code.PermissionDenied,
      "ROLE_NOT_ALLOWED",
    ]);
  });

  it("only SUPPORT issues SCIM tokens", async () => {
    expect(
      (await codeOf(h.tokens.issueScimToken({ tenantId, name: "x" }, as(adminActor(tenantId)))))[0],
    ).toBe(Code.PermissionDenied);
    expect((await codeOf(h.tokens.issueScimToken({ tenantId, name: "x" }, as(scimActor(tenantId)))))[0]).toBe(
      Code.PermissionDenied,
    );
  });

  it("an actor of one tenant finds no other tenant (NOT_FOUND, as if missing)", async () => {
    const other = await h.newTenant("Other");
    expect(await codeOf(h.tenants.getTenant({ tenantId: other }, as(scimActor(tenantId))))).toEqual([
      Code.NotFound,
      "TENANT_NOT_FOUND",
    ]);
    expect(
      (
        await codeOf(
          h.users.createUser({ tenantId: other, user: { userName: "x@y.z" } }, as(adminActor(tenantId))),
        )
      )[0],
    ).toBe(Code.NotFound);
  });

  it("support reads any tenant", async () => {
    const { tenant } = await h.tenants.getTenant({ tenantId }, as(supportActor));
    expect(tenant?.id).toBe(tenantId);
    expect(tenant?.settings?.deprovisionOnLastGroupRemoval).toBe(true);
  });
});
