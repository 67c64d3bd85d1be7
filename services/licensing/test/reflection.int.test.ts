import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createLogger } from "@cosafe/logging";
import { reflectionV1 } from "@cosafe/proto/reflection";
import type { TestDatabase } from "@cosafe/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Licensing, startLicensing } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { credentialsEnv, licensingTestDatabase, serviceRolesEnv } from "./support/licensing-harness.js";

let database: TestDatabase;
let licensing: Licensing;

beforeAll(async () => {
  database = await licensingTestDatabase();
  const config = loadConfig({
    DATABASE_URL: database.url,
    LICENSING_PORT: "0",
    COSAFE_SERVICE_CREDENTIALS: credentialsEnv,
    COSAFE_SERVICE_ROLES: serviceRolesEnv,
  });
  licensing = await startLicensing(config, createLogger({ service: "licensing", level: "silent" }));
});

afterAll(async () => {
  await licensing?.close();
  await database?.drop();
});

describe("gRPC server reflection on licensing", () => {
  it("a connect gRPC client without credentials lists the services and fetches LicenseService's file", async () => {
    // Plain gRPC transport: no service credential, no actor.
    const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${licensing.server.port}` });
    const reflection = createClient(reflectionV1.ServerReflection, transport);
    async function* requests() {
      yield { messageRequest: { case: "listServices" as const, value: "" } };
      yield {
        messageRequest: {
          case: "fileContainingSymbol" as const,
          value: "cosafe.licensing.v1.LicenseService",
        },
      };
    }
    const answers = [];
    for await (const answer of reflection.serverReflectionInfo(requests())) answers.push(answer);
    const [list, file] = answers;
    expect(list?.messageResponse.case).toBe("listServicesResponse");
    const names =
      list?.messageResponse.case === "listServicesResponse"
        ? list.messageResponse.value.service.map((s) => s.name)
        : [];
    expect(names).toEqual(
      expect.arrayContaining([
        "cosafe.licensing.v1.LicenseService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
      ]),
    );
    expect(names).not.toContain("cosafe.identity.v1.UserService");
    const files =
      file?.messageResponse.case === "fileDescriptorResponse"
        ? file.messageResponse.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b))
        : [];
    const service = files.find((f) => f.name === "cosafe/licensing/v1/license_service.proto")?.service[0];
    expect(service?.name).toBe("LicenseService");
  });
});
