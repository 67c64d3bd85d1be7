import type { OutgoingHttpHeaders } from "node:http2";
import type { Interceptor, Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { currentRequestId } from "@cosafe/logging";
import type { MessageCodec } from "@cosafe/proto/member-columns-wire";
import { headers } from "./call-metadata.js";
import { processInterceptors } from "./process-interceptors.js";
import { createUnaryHttp2Transport } from "./unary-http2-transport.js";

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
  /** false: unary calls through connect-node too (the lean client's tests compare the two). */
  lean?: boolean;
  /** Hand-written binary codecs for some response types, on the lean client (member pages). */
  codecs?: readonly MessageCodec[];
}

/** Sets the service credential and, unless the caller gave one, the current request id. */
function setCallHeaders(
  credential: ServiceCredential,
  has: (name: string) => boolean,
  set: (name: string, value: string) => void,
): void {
  set(headers.authorization, `Bearer ${credential.secret}`);
  set(headers.service, credential.service);
  const requestId = currentRequestId();
  if (requestId && !has(headers.requestId)) set(headers.requestId, requestId);
}

/** Adds the service credential and the current request id to every outgoing call. */
function credentialInterceptor(credential: ServiceCredential): Interceptor {
  return (next) => async (req) => {
    setCallHeaders(
      credential,
      (name) => req.header.has(name),
      (name, value) => req.header.set(name, value),
    );
    return next(req);
  };
}

/**
 * A transport for calling another Cosafe service as `credential.service`. Unary calls over the
 * Connect protocol take the lean client (ADR 0022) unless process-wide interceptors (tracing)
 * are on; those, server streams and `protocol: "grpc"` go through connect-node.
 */
export function createServiceTransport(options: ClientTransportOptions): Transport {
  const common = {
    baseUrl: options.baseUrl,
    httpVersion: "2" as const,
    interceptors: [...processInterceptors.client, credentialInterceptor(options.credential)],
    defaultTimeoutMs: options.timeoutMs ?? 10_000,
  };
  if (options.protocol === "grpc") return createGrpcTransport(common);
  const connect = createConnectTransport({ ...common, useBinaryFormat: true });
  if (processInterceptors.client.length > 0 || options.lean === false) return connect;
  const { credential } = options;
  return createUnaryHttp2Transport({
    baseUrl: options.baseUrl,
    defaultTimeoutMs: common.defaultTimeoutMs,
    streams: connect,
    ...(options.codecs ? { codecs: options.codecs } : {}),
    callHeaders: (into: OutgoingHttpHeaders) =>
      setCallHeaders(
        credential,
        (name) => into[name] !== undefined,
        (name, value) => {
          into[name] = value;
        },
      ),
  });
}
