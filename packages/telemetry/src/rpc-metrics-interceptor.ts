import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { Counter, Histogram, type Registry } from "prom-client";

/** Latency buckets (seconds) shared by the SCIM and gRPC histograms. */
export const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Server interceptor counting every gRPC call by service, method and status code, with a
 * latency histogram. Put it outermost: it then sees the code the caller receives. For
 * streams the time is until the handler returns its response, not the end of the stream.
 */
export function rpcMetricsInterceptor(registry: Registry): Interceptor {
  const labelNames = ["grpc_service", "grpc_method", "grpc_code"] as const;
  const handled = new Counter({
    name: "cosafe_grpc_server_handled_total",
    help: "gRPC calls completed, by service, method and status code.",
    labelNames,
    registers: [registry],
  });
  const seconds = new Histogram({
    name: "cosafe_grpc_server_handling_seconds",
    help: "Time to handle a gRPC call, by service, method and status code.",
    labelNames,
    buckets: latencyBuckets,
    registers: [registry],
  });
  return (next) => async (req) => {
    const stop = seconds.startTimer();
    const labels = { grpc_service: req.service.typeName, grpc_method: req.method.name };
    let code = "OK";
    try {
      return await next(req);
    } catch (error) {
      code = Code[error instanceof ConnectError ? error.code : Code.Internal] ?? "Unknown";
      throw error;
    } finally {
      handled.inc({ ...labels, grpc_code: code });
      stop({ ...labels, grpc_code: code });
    }
  };
}
