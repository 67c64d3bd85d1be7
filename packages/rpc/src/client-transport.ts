import type { Interceptor, Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { currentRequestId } from "@cosafe/logging";
import { headers } from "./call-metadata.js";
import { processInterceptors } from "./process-interceptors.js";

export interface ServiceCredential {
  service: string;
  secret: string;
}

export interface ClientTransportOptions {
  baseUrl: string;
  credential: ServiceCredential;
  /**
   * "connect" (default) speaks the Connect protocol over HTTP/2, the fastest client on
   * this stack; "grpc" speaks standard gRPC. The servers answer both.
   */
  protocol?: "connect" | "grpc";
  /** Per-call deadline; defaults to 10 s. */
  timeoutMs?: number;
}

/** Adds the service credential and the current request id to every outgoing call. */
function credentialInterceptor(credential: ServiceCredential): Interceptor {
  return (next) => async (req) => {
    req.header.set(headers.authorization, `Bearer ${credential.secret}`);
    req.header.set(headers.service, credential.service);
    const requestId = currentRequestId();
    if (requestId && !req.header.has(headers.requestId)) req.header.set(headers.requestId, requestId);
    return next(req);
  };
}

/** A transport for calling another Cosafe service as `credential.service`. */
export function createServiceTransport(options: ClientTransportOptions): Transport {
  const common = {
    baseUrl: options.baseUrl,
    httpVersion: "2" as const,
    interceptors: [...processInterceptors.client, credentialInterceptor(options.credential)],
    defaultTimeoutMs: options.timeoutMs ?? 10_000,
  };
  return options.protocol === "grpc"
    ? createGrpcTransport(common)
    : createConnectTransport({ ...common, useBinaryFormat: true });
}
