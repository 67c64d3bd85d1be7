import { join } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { AnySchema } from "@bufbuild/protobuf/wkt";
import { ErrorInfoSchema } from "@cosafe/proto/google-rpc";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { testCredential } from "./core-harness.js";

/** Plain @grpc/grpc-js clients built from proto/ with @grpc/proto-loader, as the admin panel builds them. */

const protoRoot = join(import.meta.dirname, "../../../../proto");

type Callback<T> = (error: grpc.ServiceError | null, value: T) => void;
type UnaryMethod = (
  request: object,
  metadata: grpc.Metadata,
  callback: Callback<Record<string, unknown>>,
) => void;

/** A client of `cosafe.identity.v1.<service>` from `cosafe/identity/v1/<file>`. */
export function identityClient(file: string, service: string, address: string): grpc.Client {
  const definition = protoLoader.loadSync(`cosafe/identity/v1/${file}`, {
    includeDirs: [protoRoot],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
  });
  let node: unknown = grpc.loadPackageDefinition(definition);
  for (const part of ["cosafe", "identity", "v1", service]) node = (node as Record<string, unknown>)[part];
  const Client = node as grpc.ServiceClientConstructor;
  return new Client(address, grpc.credentials.createInsecure());
}

/** A unary call; resolves with the response object (proto-loader field names in camelCase). */
export function unary<T = Record<string, unknown>>(
  client: grpc.Client,
  method: string,
  request: object,
  metadata: grpc.Metadata,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fn = (client as unknown as Record<string, UnaryMethod>)[method];
    if (!fn) throw new Error(`no method ${method}`);
    fn.call(client, request, metadata, (error, value) => (error ? reject(error) : resolve(value as T)));
  });
}

/** The failure of a unary call (fails when the call succeeded). */
export async function unaryError(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e as grpc.ServiceError,
  );
  if (!outcome) throw new Error("the call succeeded");
  return outcome;
}

/** Service credential plus an actor, as standard gRPC metadata (docs/adr/0006). */
export function actorMetadata(actor: {
  type: "person" | "scim_token" | "system";
  id: string;
  role: "admin" | "scim" | "support" | "system";
  tenantId?: string;
}): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${testCredential.secret}`);
  metadata.set("x-cosafe-service", testCredential.service);
  metadata.set("x-cosafe-actor-type", actor.type);
  metadata.set("x-cosafe-actor-id", actor.id);
  metadata.set("x-cosafe-actor-role", actor.role);
  if (actor.tenantId) metadata.set("x-cosafe-actor-tenant", actor.tenantId);
  return metadata;
}

/**
 * The google.rpc.ErrorInfo of a grpc-js error, read from the standard `grpc-status-details-bin`
 * trailer (a google.rpc.Status whose field 3 holds Any details).
 */
export function errorInfoOf(error: grpc.ServiceError) {
  const [raw] = error.metadata.get("grpc-status-details-bin");
  if (!raw || typeof raw === "string") return undefined;
  const reader = new BinaryReader(raw);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field !== 3) {
      reader.skip(wireType);
      continue;
    }
    const any = fromBinary(AnySchema, reader.bytes());
    if (any.typeUrl.endsWith("/google.rpc.ErrorInfo")) return fromBinary(ErrorInfoSchema, any.value);
  }
  return undefined;
}
