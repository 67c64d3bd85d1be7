import type { SpanProcessor } from "@opentelemetry/sdk-trace-base";

type Env = Record<string, string | undefined>;

const probePaths = new Set(["/healthz", "/readyz", "/metrics"]);

export interface Tracing {
  /** Flushes pending spans and stops the SDK. */
  shutdown(): Promise<void>;
}

/**
 * Tracing is off unless the standard variables ask for it: OTEL_TRACES_EXPORTER
 * (console, otlp, zipkin) or an OTLP endpoint; OTEL_SDK_DISABLED=true wins.
 */
export function tracingEnabled(env: Env = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e && e !== "none");
  return (
    exporters.length > 0 || Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
  );
}

/**
 * Starts OpenTelemetry tracing for one service when the OTEL_* variables ask for it, and
 * does nothing (loads nothing) otherwise. Call it before importing the code it instruments
 * (main.ts imports the app afterwards): http, koa and pg spans come from instrumentation
 * that patches those modules as they load; gRPC calls are traced by the interceptors it
 * adds to every server and client of the process (W3C traceparent propagation).
 *
 * `spanProcessors` replaces the exporters of OTEL_TRACES_EXPORTER (tests: in-memory).
 */
export async function startTracing(
  service: string,
  options: { env?: Env; spanProcessors?: SpanProcessor[]; force?: boolean } = {},
): Promise<Tracing | undefined> {
  const env = options.env ?? process.env;
  if (!options.force && !tracingEnabled(env)) return undefined;
  // ESM modules (koa, node:http imported by name) are patched through this loader hook.
  const { register } = await import("node:module");
  register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);
  // Metrics are Prometheus' and logs pino's: only traces go through the SDK.
  process.env.OTEL_METRICS_EXPORTER ??= "none";
  process.env.OTEL_LOGS_EXPORTER ??= "none";
  const [
    { NodeSDK },
    { HttpInstrumentation },
    { KoaInstrumentation },
    { PgInstrumentation },
    propagation,
    { redactSql },
    rpc,
  ] = await Promise.all([
    import("@opentelemetry/sdk-node"),
    import("@opentelemetry/instrumentation-http"),
    import("@opentelemetry/instrumentation-koa"),
    import("@opentelemetry/instrumentation-pg"),
    import("./trace-propagation.js"),
    import("./sql-redaction.js"),
    import("@cosafe/rpc"),
  ]);
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? service,
    instrumentations: [
      // Probes and scrapes are not traced: they would bury the requests that matter.
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => probePaths.has(req.url?.split("?")[0] ?? ""),
      }),
      new KoaInstrumentation(),
      new PgInstrumentation({
        requireParentSpan: true,
        requestHook: (span, info) => {
          const text = redactSql(info.query.text);
          span.setAttribute("db.query.text", text);
          span.setAttribute("db.statement", text);
        },
      }),
    ],
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
  });
  sdk.start();
  rpc.processInterceptors.server.unshift(propagation.traceServerInterceptor());
  rpc.processInterceptors.client.unshift(propagation.traceClientInterceptor());
  return { shutdown: () => sdk.shutdown() };
}
