import { createClient } from "@connectrpc/connect";
import { createLogger } from "@cosafe/logging";
import { ActorType, Role, ScimTokenService, TenantService } from "@cosafe/proto/identity";
import { LicenseService } from "@cosafe/proto/licensing";
import { actorHeaders, createServiceTransport } from "@cosafe/rpc";
import { startTracing, type Tracing } from "@cosafe/telemetry/tracing";
import { createTestDatabase, type TestDatabase } from "@cosafe/testing";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The three services in this one process, so that one in-memory exporter sees all their
// spans. Tracing starts before any service module is imported, as main.ts does.
const exporter = new InMemorySpanExporter();
let tracing: Tracing | undefined;
let database: TestDatabase;
const closers: (() => Promise<void>)[] = [];
let scimBase: string;
let token: string;

const credential = { service: "test-suite", secret: "test-suite-secret-0123456789" };
const coreSecret = "identity-core-secret-0123456789";
const facadeSecret = "scim-facade-secret-0123456789";
const credentials = `${credential.service}:${credential.secret},identity-core:${coreSecret},scim-facade:${facadeSecret}`;
const support = {
  headers: actorHeaders({ type: ActorType.PERSON, id: "support@cosafe.test", role: Role.SUPPORT }),
};
const quiet = (service: string) => createLogger({ service, level: "silent" });

beforeAll(async () => {
  tracing = await startTracing("cosafe-test", {
    force: true,
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const [
    { startLicensing },
    licensingConfig,
    { startIdentityCore },
    coreConfig,
    { startScimFacade },
    facadeConfig,
  ] = await Promise.all([
    import("../../services/licensing/src/app.js"),
    import("../../services/licensing/src/config.js"),
    import("../../services/identity-core/src/app.js"),
    import("../../services/identity-core/src/config.js"),
    import("../../services/scim-facade/src/server.js"),
    import("../../services/scim-facade/src/config.js"),
  ]);
  database = await createTestDatabase({
    template: { key: "empty", fingerprint: "v1", prepare: async () => {} },
  });
  const env = {
    DATABASE_URL: database.url,
    COSAFE_SERVICE_CREDENTIALS: credentials,
    // The suite acts as support to set up the tenant (docs/adr/0006).
    COSAFE_SERVICE_ROLES: `${credential.service}:SCIM,ADMIN,SUPPORT,SYSTEM`,
  };
  const licensing = await startLicensing(
    licensingConfig.loadConfig({ ...env, LICENSING_PORT: "0" }),
    quiet("licensing"),
  );
  closers.push(licensing.close);
  const licensingUrl = `http://127.0.0.1:${licensing.server.port}`;
  const core = await startIdentityCore(
    coreConfig.loadConfig({
      ...env,
      IDENTITY_CORE_PORT: "0",
      LICENSING_URL: licensingUrl,
      COSAFE_SERVICE_SECRET: coreSecret,
    }),
    quiet("identity-core"),
  );
  closers.unshift(core.close);
  const coreUrl = `http://127.0.0.1:${core.server.port}`;
  const facade = await startScimFacade(
    facadeConfig.loadConfig({
      SCIM_FACADE_PORT: "0",
      IDENTITY_CORE_URL: coreUrl,
      COSAFE_SERVICE_SECRET: facadeSecret,
    }),
    quiet("scim-facade"),
  );
  closers.unshift(facade.close);
  scimBase = `http://127.0.0.1:${facade.port}/scim/v2`;

  const coreTransport = createServiceTransport({ baseUrl: coreUrl, credential });
  const { tenant } = await createClient(TenantService, coreTransport).createTenant(
    { displayName: "Trace AB" },
    support,
  );
  const tenantId = tenant?.id ?? "";
  await createClient(
    LicenseService,
    createServiceTransport({ baseUrl: licensingUrl, credential }),
  ).setSeatLimit({ tenantId, seatLimit: 10 }, support);
  ({ secret: token } = await createClient(ScimTokenService, coreTransport).issueScimToken(
    { tenantId, name: "trace" },
    support,
  ));
});

afterAll(async () => {
  for (const close of closers) await close();
  await database?.drop();
  await tracing?.shutdown();
});

const rpc = (span: ReadableSpan) => `${span.attributes["rpc.service"]}/${span.attributes["rpc.method"]}`;

describe("OpenTelemetry traces (in-memory exporter)", () => {
  it("one SCIM create is one trace: facade HTTP → identity-core gRPC → licensing gRPC, with SQL spans", async () => {
    exporter.reset();
    const res = await fetch(`${scimBase}/Users`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json" },
      body: JSON.stringify({
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
        userName: "trace.probe@example.com",
        name: { givenName: "Trace", familyName: "Probe" },
      }),
    });
    expect(res.status).toBe(201);
    const spans = exporter.getFinishedSpans();
    const createServer = spans.find(
      (s) => s.kind === 1 && rpc(s) === "cosafe.identity.v1.UserService/CreateUser", // SpanKind.SERVER
    );
    expect(createServer, "identity-core's CreateUser server span").toBeDefined();
    const traceId = createServer?.spanContext().traceId;
    const trace = spans.filter((s) => s.spanContext().traceId === traceId);
    const names = trace.map((s) => s.name);

    // The facade: the HTTP request (root) and its gRPC client call.
    // (Named "POST /scim/v2/Users" once the koa instrumentation adds the route, as in the
    // services' own processes; vitest's module loader keeps koa from being patched here.)
    const root = trace.find(
      (s) => s.kind === 1 && (s.attributes["http.request.method"] ?? s.attributes["http.method"]) === "POST",
    );
    expect(root, `facade HTTP span in ${names.join(", ")}`).toBeDefined();
    expect(root?.parentSpanContext).toBeUndefined();
    const createClientSpan = trace.find(
      (s) => s.kind === 2 && rpc(s) === "cosafe.identity.v1.UserService/CreateUser", // CLIENT
    );
    expect(createClientSpan).toBeDefined();
    expect(createServer?.parentSpanContext?.spanId).toBe(createClientSpan?.spanContext().spanId);

    // identity-core → licensing: the seat is allocated in the same trace.
    const seatServer = trace.find(
      (s) => s.kind === 1 && rpc(s).startsWith("cosafe.licensing.v1.LicenseService/"),
    );
    expect(seatServer, `licensing server span in ${names.join(", ")}`).toBeDefined();

    // SQL spans of both databases' work nest in the trace, without the values MikroORM inlines.
    const sql = trace.filter((s) => s.attributes["db.system"] === "postgresql" || s.name.startsWith("pg."));
    expect(sql.length).toBeGreaterThan(0);
    const statements = sql.map((s) =>
      String(s.attributes["db.query.text"] ?? s.attributes["db.statement"] ?? ""),
    );
    expect(statements.some((q) => /insert into/i.test(q))).toBe(true);
    expect(statements.join("\n")).not.toContain("trace.probe@example.com");
    expect(statements.join("\n")).not.toContain("Probe");
  });
});
