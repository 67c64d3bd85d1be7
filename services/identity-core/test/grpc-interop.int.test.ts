import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoreHarness, startCoreHarness, testCredential } from "./support/core-harness.js";

const protoRoot = join(import.meta.dirname, "../../../proto");

type Callback<T> = (error: grpc.ServiceError | null, value: T) => void;
type UnaryMethod = (
  request: object,
  metadata: grpc.Metadata,
  callback: Callback<Record<string, unknown>>,
) => void;

function loadService(file: string, name: string[]) {
  const definition = protoLoader.loadSync(file, {
    includeDirs: [protoRoot],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
  });
  let node: unknown = grpc.loadPackageDefinition(definition);
  for (const part of name) node = (node as Record<string, unknown>)[part];
  return node as grpc.ServiceClientConstructor;
}

function call(client: grpc.Client, method: string, request: object, metadata = new grpc.Metadata()) {
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    (client as unknown as Record<string, UnaryMethod>)[method]?.call(
      client,
      request,
      metadata,
      (error, value) => (error ? reject(error) : resolve(value)),
    );
  });
}

function supportMetadata(): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${testCredential.secret}`);
  metadata.set("x-cosafe-service", testCredential.service);
  metadata.set("x-cosafe-actor-type", "person");
  metadata.set("x-cosafe-actor-id", "support@cosafe.test");
  metadata.set("x-cosafe-actor-role", "support");
  return metadata;
}

let h: CoreHarness;
let address: string;

beforeAll(async () => {
  h = await startCoreHarness();
  address = `127.0.0.1:${h.core.server.port}`;
});

afterAll(() => h?.close());

describe("standard gRPC clients (as the existing admin panel uses)", () => {
  it("a plain @grpc/grpc-js client creates a tenant and a user and reads the user back", async () => {
    const Tenants = loadService("cosafe/identity/v1/tenant_service.proto", [
      "cosafe",
      "identity",
      "v1",
      "TenantService",
    ]);
    const Users = loadService("cosafe/identity/v1/user_service.proto", [
      "cosafe",
      "identity",
      "v1",
      "UserService",
    ]);
    const tenants = new Tenants(address, grpc.credentials.createInsecure());
    const users = new Users(address, grpc.credentials.createInsecure());
    try {
      const { tenant } = (await call(
        tenants,
        "createTenant",
        { displayName: "gRPC Interop AB" },
        supportMetadata(),
      )) as {
        tenant: { id: string; mainAccountId: string };
      };
      expect(tenant.mainAccountId).toMatch(/^[0-9a-f-]{36}$/);
      const created = (await call(
        users,
        "createUser",
        { tenantId: tenant.id, user: { userName: "grpc@interop.test", displayName: "Interop" } },
        supportMetadata(),
      )) as { user: { id: string } };
      const read = (await call(
        users,
        "getUser",
        { tenantId: tenant.id, userId: created.user.id },
        supportMetadata(),
      )) as {
        user: { userName: string; managedBy: string; createTime: { seconds: string } };
      };
      expect(read.user.userName).toBe("grpc@interop.test");
      expect(read.user.managedBy).toBe("MANAGED_BY_MANUAL");
      expect(Number(read.user.createTime.seconds)).toBeGreaterThan(0);
    } finally {
      tenants.close();
      users.close();
    }
  });

  it("errors arrive as standard gRPC status codes with the message", async () => {
    const Users = loadService("cosafe/identity/v1/user_service.proto", [
      "cosafe",
      "identity",
      "v1",
      "UserService",
    ]);
    const users = new Users(address, grpc.credentials.createInsecure());
    try {
      const error = (await call(
        users,
        "getUser",
        { tenantId: "6f1c1d7e-1111-4111-8111-111111111111", userId: "x" },
        supportMetadata(),
      ).catch((e: unknown) => e)) as grpc.ServiceError;
      expect(error.code).toBe(grpc.status.NOT_FOUND);
      expect(error.details).toMatch(/not found/);
      const unauthenticated = (await call(users, "getUser", { tenantId: "t", userId: "x" }).catch(
        (e: unknown) => e,
      )) as grpc.ServiceError;
      expect(unauthenticated.code).toBe(grpc.status.UNAUTHENTICATED);
    } finally {
      users.close();
    }
  });

  it("the standard grpc.health.v1 client sees SERVING without credentials, and NOT_FOUND for unknown services", async () => {
    const Health = loadService("grpc/health/v1/health.proto", ["grpc", "health", "v1", "Health"]);
    const health = new Health(address, grpc.credentials.createInsecure());
    try {
      expect(await call(health, "check", { service: "" })).toEqual({ status: "SERVING" });
      expect(await call(health, "check", { service: "cosafe.identity.v1.UserService" })).toEqual({
        status: "SERVING",
      });
      const unknown = (await call(health, "check", { service: "nope" }).catch(
        (e: unknown) => e,
      )) as grpc.ServiceError;
      expect(unknown.code).toBe(grpc.status.NOT_FOUND);
      const first = await new Promise<unknown>((resolve, reject) => {
        const stream = (
          health as unknown as { watch: (r: object) => grpc.ClientReadableStream<unknown> }
        ).watch({ service: "" });
        stream.once("data", (data) => {
          resolve(data);
          stream.cancel();
        });
        stream.once("error", (e: grpc.ServiceError) =>
          e.code === grpc.status.CANCELLED ? undefined : reject(e),
        );
      });
      expect(first).toEqual({ status: "SERVING" });
    } finally {
      health.close();
    }
  });
});
