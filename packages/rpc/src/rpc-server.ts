import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { ServiceCredentials } from "@cosafe/config";
import type { Logger } from "@cosafe/logging";
import type { MessageCodec } from "@cosafe/proto/member-columns-wire";
import { Health, HealthState, healthService, ServingStatus } from "./health-service.js";
import { createLoggingInterceptor } from "./logging-interceptor.js";
import { processInterceptors } from "./process-interceptors.js";
import { registerReflection } from "./reflection-service.js";
import { createServerAuthInterceptor } from "./server-auth-interceptor.js";
import { UnaryHttp2Handler } from "./unary-http2-handler.js";

export interface RpcServerOptions {
  host: string;
  port: number;
  logger: Logger;
  /** Accepted service credentials: name → secrets (two during a rotation) and allowed actor roles. */
  credentials: ServiceCredentials;
  /** Registers the service implementations. */
  routes: (router: ConnectRouter) => void;
  /** Fully-qualified names of the services routes registers, for health checks. */
  serviceNames: string[];
  /** Interceptors inside logging and auth, e.g. error translation. */
  interceptors?: Interceptor[];
  /** Interceptors outside logging and auth (tracing, metrics): they see every call and its final code. */
  outerInterceptors?: Interceptor[];
  /** Hand-written binary codecs for some response types, on the lean path (member pages). */
  codecs?: readonly MessageCodec[];
}

export interface RpcServer {
  port: number;
  health: HealthState;
  close(): Promise<void>;
}

/**
 * Serves gRPC, gRPC-Web and Connect on one HTTP/2 (h2c) port, with the standard health
 * service and server reflection, logging and service authentication in front of every call.
 */
export async function startRpcServer(options: RpcServerOptions): Promise<RpcServer> {
  const health = new HealthState(options.serviceNames);
  const interceptors = [
    ...processInterceptors.server,
    ...(options.outerInterceptors ?? []),
    createLoggingInterceptor(options.logger),
    createServerAuthInterceptor(options.credentials, options.logger),
    ...(options.interceptors ?? []),
  ];
  // Our lean client's unary calls take the lean path (ADR 0022) unless tracing is on; every
  // other call, and every other protocol, goes through connect-node.
  const lean =
    processInterceptors.server.length === 0 ? new UnaryHttp2Handler(interceptors, options.codecs) : undefined;
  const routes = (router: ConnectRouter) => {
    router.service(Health, healthService(health));
    options.routes(router);
    registerReflection(router);
  };
  const handler = connectNodeAdapter({ routes: lean ? lean.recording(routes) : routes, interceptors });
  const server = http2.createServer((req, res) => {
    if (!lean?.handle(req, res)) handler(req, res);
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  health.set(ServingStatus.SERVING);
  return {
    port: (server.address() as AddressInfo).port,
    health,
    close: async () => {
      health.set(ServingStatus.NOT_SERVING);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      await closed;
    },
  };
}
