import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import type { ServiceCredentials } from "@cosafe/config";
import { createLogger } from "@cosafe/logging";
import { ActorType, Role, TenantService } from "@cosafe/proto/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  actorHeaders,
  callContextOf,
  createServiceTransport,
  errorMetadataOf,
  errorWithReason,
  Health,
  type RpcServer,
  reasonOf,
  ServingStatus,
  startRpcServer,
} from "../src/index.js";

/**
 * ADR 0022: the lean unary client speaks the same Connect protocol as connect-node's transport,
 * against a real connect-node server; both transports must answer alike, errors included.
 */
const credential = { service: "scim-facade", secret: "unit-test-secret-0123456789" };
const credentials: ServiceCredentials = new Map([
  ["scim-facade", { secrets: [credential.secret], roles: new Set(["SCIM", "SYSTEM"] as const) }],
]);
const actor = { type: ActorType.SYSTEM, id: "scim-facade", role: Role.SYSTEM };
const big = "x".repeat(300_000);

let server: RpcServer;
let port: number;
/** What the last getTenant handler saw: its signal and the time left of its deadline. */
let lastCall: { signal: AbortSignal; timeLeftMs: number | undefined } | undefined;

function start(onPort = 0): Promise<RpcServer> {
  return startRpcServer({
    host: "127.0.0.1",
    port: onPort,
    logger: createLogger({ service: "rpc-test", level: "silent" }),
    credentials,
    serviceNames: ["cosafe.identity.v1.TenantService"],
    routes: (router) =>
      router.service(TenantService, {
        async getTenant(req, ctx) {
          const call = callContextOf(ctx);
          lastCall = { signal: ctx.signal, timeLeftMs: ctx.timeoutMs() };
          if (req.tenantId === "slow") await new Promise((resolve) => setTimeout(resolve, 2_000));
          if (req.tenantId === "missing")
            throw errorWithReason(Code.NotFound, "TENANT_NOT_FOUND", "no tenant with this id", {
              domain: "identity.cosafe",
              metadata: { tenantId: "missing" },
            });
          const name = req.tenantId === "big" ? big : `${call.service}/${call.actor.id}/${call.requestId}`;
          return { tenant: { id: req.tenantId, displayName: name } };
        },
      }),
  });
}

const transports = (): Record<string, Transport> => ({
  lean: createServiceTransport({ baseUrl: `http://127.0.0.1:${port}`, credential }),
  connect: createServiceTransport({ baseUrl: `http://127.0.0.1:${port}`, credential, lean: false }),
  grpc: createServiceTransport({ baseUrl: `http://127.0.0.1:${port}`, credential, protocol: "grpc" }),
});

beforeAll(async () => {
  server = await start();
  port = server.port;
});
afterAll(async () => server?.close());

// lean and connect speak the Connect protocol and reach the server's lean path; grpc reaches
// connect-node's handler: all three must answer alike.
describe.each(["lean", "connect", "grpc"])("%s transport", (kind) => {
  const client = () => createClient(TenantService, transports()[kind] as Transport);
  const withActor = (extra: Record<string, string> = {}) => ({
    headers: { ...actorHeaders(actor), ...extra },
  });

  it("sends the service credential, the actor and the request id, and decodes the answer", async () => {
    const { tenant } = await client().getTenant({ tenantId: "t1" }, withActor({ "x-request-id": "req-42" }));
    expect(tenant).toMatchObject({ id: "t1", displayName: "scim-facade/scim-facade/req-42" });
  });

  it("carries a message larger than one HTTP/2 frame both ways", async () => {
    const { tenant } = await client().getTenant({ tenantId: "big" }, withActor());
    expect(tenant?.displayName).toHaveLength(big.length);
  });

  it("an error arrives with its code, message, reason and metadata", async () => {
    const error = await client()
      .getTenant({ tenantId: "missing" }, withActor())
      .then(() => undefined, ConnectError.from);
    expect(error?.code).toBe(Code.NotFound);
    expect(error?.rawMessage).toBe("no tenant with this id");
    expect(error && reasonOf(error)).toBe("TENANT_NOT_FOUND");
    expect(error && errorMetadataOf(error)).toEqual({ tenantId: "missing" });
  });

  it("a call without a valid actor is refused by the server's auth, not by the client", async () => {
    const error = await client()
      .getTenant({ tenantId: "t1" })
      .then(() => undefined, ConnectError.from);
    expect(error?.code).toBe(Code.Unauthenticated);
  });

  it("a deadline ends the call with DEADLINE_EXCEEDED", async () => {
    const error = await client()
      .getTenant({ tenantId: "slow" }, { ...withActor(), timeoutMs: 150 })
      .then(() => undefined, ConnectError.from);
    expect(error?.code).toBe(Code.DeadlineExceeded);
  });

  it("an aborted signal ends the call with CANCELED", async () => {
    const controller = new AbortController();
    const pending = client()
      .getTenant({ tenantId: "slow" }, { ...withActor(), signal: controller.signal })
      .then(() => undefined, ConnectError.from);
    setTimeout(() => controller.abort(), 50);
    expect((await pending)?.code).toBe(Code.Canceled);
  });

  it("a public unary method and a server stream both work", async () => {
    const health = createClient(Health, transports()[kind] as Transport);
    expect((await health.check({ service: "" })).status).toBe(ServingStatus.SERVING);
    // A watch never ends by itself: the client cancels it once the first status came.
    const seen: ServingStatus[] = [];
    const controller = new AbortController();
    const ended = await (async () => {
      for await (const update of health.watch({ service: "" }, { signal: controller.signal })) {
        seen.push(update.status);
        controller.abort();
      }
    })().then(() => undefined, ConnectError.from);
    expect(seen).toEqual([ServingStatus.SERVING]);
    expect(ended?.code).toBe(Code.Canceled);
  });
});

describe("lean server path (ADR 0022)", () => {
  const withActor = { headers: actorHeaders(actor) };

  it("Connect-protocol calls are served without connect-node's per-call abort; gRPC calls still go through connect-node", async () => {
    const lean = createClient(TenantService, transports().lean as Transport);
    await lean.getTenant({ tenantId: "t1" }, { ...withActor, timeoutMs: 5_000 });
    expect(lastCall?.signal.aborted).toBe(false);
    expect(lastCall?.timeLeftMs).toBeGreaterThan(0);
    expect(lastCall?.timeLeftMs).toBeLessThanOrEqual(5_000);
    const grpc = createClient(TenantService, transports().grpc as Transport);
    await grpc.getTenant({ tenantId: "t1" }, withActor);
    // connect-node aborts every call's signal once it has answered.
    expect(lastCall?.signal.aborted).toBe(true);
  });

  it("a caller that goes away mid-call aborts the signal the implementation sees, with CANCELED", async () => {
    const lean = createClient(TenantService, transports().lean as Transport);
    const controller = new AbortController();
    const call = lean
      .getTenant({ tenantId: "slow" }, { ...withActor, signal: controller.signal })
      .then(() => undefined, ConnectError.from);
    const started = Date.now();
    while (lastCall?.signal.aborted !== false && Date.now() - started < 2_000)
      await new Promise((resolve) => setTimeout(resolve, 5));
    const seen = lastCall?.signal;
    expect(seen?.aborted).toBe(false);
    controller.abort();
    expect((await call)?.code).toBe(Code.Canceled);
    while (!seen?.aborted && Date.now() - started < 2_000)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(seen?.aborted).toBe(true);
    expect(ConnectError.from(seen?.reason).code).toBe(Code.Canceled);
  });

  it("a body that is not a valid message answers INVALID_ARGUMENT in Connect's JSON error form", async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({
          ":method": "POST",
          ":path": "/cosafe.identity.v1.TenantService/GetTenant",
          "content-type": "application/proto",
          "connect-protocol-version": "1",
          ...actorHeaders(actor),
          authorization: `Bearer ${credential.secret}`,
          "x-cosafe-service": credential.service,
        });
        let status = 0;
        let body = "";
        stream.on("response", (h) => {
          status = Number(h[":status"]);
        });
        stream.setEncoding("utf8");
        stream.on("data", (chunk: string) => {
          body += chunk;
        });
        stream.on("end", () => resolve({ status, body }));
        stream.on("error", reject);
        stream.end(Buffer.from([0xff, 0xff, 0xff]));
      });
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ code: "invalid_argument" });
    } finally {
      session.close();
    }
  });
});

describe("lean transport sessions", () => {
  it("a server that went away answers UNAVAILABLE, and the next server on that port is reached again", async () => {
    const transport = createServiceTransport({ baseUrl: `http://127.0.0.1:${port}`, credential });
    const client = createClient(TenantService, transport);
    const headers = actorHeaders(actor);
    expect((await client.getTenant({ tenantId: "a" }, { headers })).tenant?.id).toBe("a");
    await server.close();
    const down = await client
      .getTenant({ tenantId: "b" }, { headers })
      .then(() => undefined, ConnectError.from);
    expect(down?.code).toBe(Code.Unavailable);
    server = await start(port);
    expect((await client.getTenant({ tenantId: "c" }, { headers })).tenant?.id).toBe("c");
  });

  it("an error status with a body that is not a Connect error still settles, with the status's code", async () => {
    const broken = http2.createServer((_req, res) => {
      res.writeHead(503, { "content-type": "application/json" });
      res.end("{not json");
    });
    const sessions = new Set<http2.ServerHttp2Session>();
    broken.on("session", (session) => sessions.add(session));
    await new Promise<void>((resolve) => broken.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
      const client = createClient(TenantService, createServiceTransport({ baseUrl: url, credential }));
      const error = await client.getTenant({ tenantId: "x" }).then(() => undefined, ConnectError.from);
      expect(error?.code).toBe(Code.Unavailable);
      expect(error?.rawMessage).toBe("HTTP 503");
    } finally {
      const closed = new Promise<void>((resolve) => broken.close(() => resolve()));
      for (const session of sessions) session.close();
      await closed;
    }
  });

  it("a request body over the server's limit is refused with RESOURCE_EXHAUSTED", async () => {
    const client = createClient(
      TenantService,
      createServiceTransport({ baseUrl: `http://127.0.0.1:${port}`, credential }),
    );
    const error = await client
      .getTenant({ tenantId: "y".repeat(5 * 1024 * 1024) }, { headers: actorHeaders(actor) })
      .then(() => undefined, ConnectError.from);
    expect(error?.code).toBe(Code.ResourceExhausted);
  });

  it("a server that answers something other than the Connect protocol gives a clear error", async () => {
    const foreign = http2.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html></html>");
    });
    const sessions = new Set<http2.ServerHttp2Session>();
    foreign.on("session", (session) => sessions.add(session));
    await new Promise<void>((resolve) => foreign.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
      const client = createClient(TenantService, createServiceTransport({ baseUrl: url, credential }));
      const error = await client.getTenant({ tenantId: "x" }).then(() => undefined, ConnectError.from);
      expect(error?.code).toBe(Code.Internal);
      expect(error?.rawMessage).toContain("text/html");
    } finally {
      const closed = new Promise<void>((resolve) => foreign.close(() => resolve()));
      for (const session of sessions) session.close();
      await closed;
    }
  });
});
