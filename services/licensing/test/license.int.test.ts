import { randomUUID } from "node:crypto";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createLogger } from "@cosafe/logging";
import { ActorType, Role } from "@cosafe/proto/identity";
import { LicenseService } from "@cosafe/proto/licensing";
import { actorHeaders, type CallActor, createServiceTransport, reasonOf } from "@cosafe/rpc";
import type { TestDatabase } from "@cosafe/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Licensing, startLicensing } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { licensingTestDatabase } from "./support/licensing-harness.js";

const credential = { service: "test-suite", secret: "test-suite-secret-0123456789" };
const support: CallActor = { type: ActorType.PERSON, id: "support@cosafe.test", role: Role.SUPPORT };
const as = (actor: CallActor) => ({ headers: actorHeaders(actor) });

let database: TestDatabase;
let licensing: Licensing;
let client: ReturnType<typeof createClient<typeof LicenseService>>;

beforeAll(async () => {
  database = await licensingTestDatabase();
  const config = loadConfig({
    DATABASE_URL: database.url,
    LICENSING_PORT: "0",
    COSAFE_SERVICE_CREDENTIALS: `${credential.service}:${credential.secret}`,
    COSAFE_SERVICE_ROLES: `${credential.service}:SCIM,ADMIN,SUPPORT,SYSTEM`,
  });
  licensing = await startLicensing(config, createLogger({ service: "licensing", level: "silent" }));
  client = createClient(
    LicenseService,
    createServiceTransport({ baseUrl: `http://127.0.0.1:${licensing.server.port}`, credential }),
  );
});

afterAll(async () => {
  await licensing?.close();
  await database?.drop();
});

async function failure(promise: Promise<unknown>): Promise<ConnectError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ConnectError)) throw new Error("expected a ConnectError");
  return error;
}

describe("LicenseService", () => {
  it("R9: a tenant without a licence has a limit of 0 and no seats", async () => {
    const tenantId = randomUUID();
    const { license } = await client.getLicense({ tenantId }, as(support));
    expect(license).toMatchObject({ tenantId, seatLimit: 0, seatsInUse: 0 });
  });

  it("R9/R19: support sets the seat limit; each change is audited with before and after", async () => {
    const tenantId = randomUUID();
    await client.setSeatLimit({ tenantId, seatLimit: 10 }, as(support));
    const { license } = await client.setSeatLimit({ tenantId, seatLimit: 25 }, as(support));
    expect(license?.seatLimit).toBe(25);
    expect((await client.getLicense({ tenantId }, as(support))).license?.seatLimit).toBe(25);
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const audit = await db.query(
      "select before, after, actor_id from licensing.audit_event where tenant_id = $1 order by id",
      [tenantId],
    );
    await db.end();
    expect(audit.rows).toEqual([
      { before: { seatLimit: 0 }, after: { seatLimit: 10 }, actor_id: support.id },
      { before: { seatLimit: 10 }, after: { seatLimit: 25 }, actor_id: support.id },
    ]);
  });

  it("R21b: only SUPPORT sets limits; an administrator reads only its own tenant", async () => {
    const tenantId = randomUUID();
    const admin: CallActor = { type: ActorType.PERSON, id: "admin", role: Role.ADMIN, tenantId };
    const denied = await failure(client.setSeatLimit({ tenantId, seatLimit: 5 }, as(admin)));
    expect([denied.code, reasonOf(denied)]).toEqual([Code.PermissionDenied, "ROLE_NOT_ALLOWED"]);
    expect((await client.getLicense({ tenantId }, as(admin))).license?.tenantId).toBe(tenantId);
    expect((await failure(client.getLicense({ tenantId: randomUUID() }, as(admin)))).code).toBe(
      Code.NotFound,
    );
  });

  it("refuses negative limits and malformed tenant ids with INVALID_ARGUMENT", async () => {
    expect(
      reasonOf(await failure(client.setSeatLimit({ tenantId: randomUUID(), seatLimit: -1 }, as(support)))),
    ).toBe("SEAT_LIMIT_INVALID");
    expect(reasonOf(await failure(client.getLicense({ tenantId: "acme" }, as(support))))).toBe(
      "TENANT_ID_INVALID",
    );
  });
});
