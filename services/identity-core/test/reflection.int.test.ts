import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoreHarness, startCoreHarness } from "./support/core-harness.js";

const repoRoot = join(import.meta.dirname, "../../..");
const run = promisify(execFile);

type Answer = {
  listServicesResponse?: { service: { name: string }[] };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  errorResponse?: { errorCode: number; errorMessage: string };
};

/** A plain grpc-js client of the vendored reflection proto: no credentials, as grpcurl calls. */
function reflectionClient(version: "v1" | "v1alpha", address: string) {
  const definition = protoLoader.loadSync(`grpc/reflection/${version}/reflection.proto`, {
    includeDirs: [join(repoRoot, "proto")],
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    grpc: { reflection: Record<string, { ServerReflection: grpc.ServiceClientConstructor }> };
  };
  const Client = pkg.grpc.reflection[version]?.ServerReflection;
  if (!Client) throw new Error(`no ServerReflection in ${version}`);
  return new Client(address, grpc.credentials.createInsecure());
}

/** Sends the requests on one bidi stream and collects one answer per request. */
function ask(client: grpc.Client, requests: object[]): Promise<Answer[]> {
  return new Promise((resolve, reject) => {
    const stream = (
      client as unknown as { serverReflectionInfo(): grpc.ClientDuplexStream<object, Answer> }
    ).serverReflectionInfo();
    const answers: Answer[] = [];
    stream.on("data", (answer: Answer) => answers.push(answer));
    stream.on("error", reject);
    stream.on("end", () => resolve(answers));
    for (const request of requests) stream.write(request);
    stream.end();
  });
}

let h: CoreHarness;
let address: string;

beforeAll(async () => {
  h = await startCoreHarness();
  address = `127.0.0.1:${h.core.server.port}`;
});

afterAll(() => h?.close());

describe("gRPC server reflection on identity-core (no service credential, like health)", () => {
  for (const version of ["v1", "v1alpha"] as const) {
    it(`${version}: lists every service and returns the file of a service with its imports`, async () => {
      const client = reflectionClient(version, address);
      try {
        const [list, file, method, missing] = await ask(client, [
          { listServices: "" },
          { fileContainingSymbol: "cosafe.identity.v1.UserService" },
          { fileContainingSymbol: "cosafe.identity.v1.UserService.CreateUser" },
          { fileContainingSymbol: "cosafe.identity.v1.NoSuchThing" },
        ]);
        const names = list?.listServicesResponse?.service.map((s) => s.name);
        expect(names).toEqual(
          expect.arrayContaining([
            "cosafe.identity.v1.UserService",
            "cosafe.identity.v1.TenantService",
            "grpc.health.v1.Health",
            `grpc.reflection.${version}.ServerReflection`,
          ]),
        );
        const files = (file?.fileDescriptorResponse?.fileDescriptorProto ?? []).map((bytes) =>
          fromBinary(FileDescriptorProtoSchema, bytes),
        );
        const userService = files.find((f) => f.name === "cosafe/identity/v1/user_service.proto");
        expect(userService?.service[0]?.method.map((m) => m.name)).toContain("CreateUser");
        // Imports come along, so a client can resolve every message type of the service.
        expect(files.map((f) => f.name)).toContain("cosafe/identity/v1/user.proto");
        expect(method?.fileDescriptorResponse?.fileDescriptorProto.length).toBeGreaterThan(0);
        expect(missing?.errorResponse?.errorCode).toBe(grpc.status.NOT_FOUND);
      } finally {
        client.close();
      }
    });
  }

  it("buf curl lists the services and describes a message through reflection", async () => {
    const base = ["curl", "--protocol", "grpc", "--http2-prior-knowledge"];
    const url = `http://${address}`;
    const listed = await run("pnpm", ["exec", "buf", ...base, "--list-services", url], { cwd: repoRoot });
    expect(listed.stdout.split("\n")).toContain("cosafe.identity.v1.UserService");
    const methods = await run("pnpm", ["exec", "buf", ...base, "--list-methods", url], { cwd: repoRoot });
    expect(methods.stdout.split("\n")).toContain("cosafe.identity.v1.TenantService/CreateTenant");
    // A call whose request and response schema buf curl learns only through reflection.
    const health = await run(
      "pnpm",
      ["exec", "buf", ...base, "-d", "{}", `${url}/grpc.health.v1.Health/Check`],
      {
        cwd: repoRoot,
      },
    );
    expect(JSON.parse(health.stdout)).toEqual({ status: "SERVING" });
  });
});
