import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from "@opentelemetry/api";

const tracer = () => trace.getTracer("@cosafe/telemetry");

/** Probes and tooling: called often, never part of a provisioning request. */
const untraced = new Set([
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
]);

const getter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};
const setter: TextMapSetter<Headers> = { set: (headers, key, value) => headers.set(key, value) };

type Call = Parameters<Parameters<Interceptor>[0]>[0];

function attributes(req: Call) {
  return { "rpc.system": "grpc", "rpc.service": req.service.typeName, "rpc.method": req.method.name };
}

/** Runs the call in a span, recording the gRPC status code and failures. */
async function inSpan<T>(span: import("@opentelemetry/api").Span, run: () => Promise<T>): Promise<T> {
  try {
    const res = await run();
    span.setAttribute("rpc.grpc.status_code", 0); // OK
    return res;
  } catch (error) {
    const code = error instanceof ConnectError ? error.code : Code.Unknown;
    span.setAttribute("rpc.grpc.status_code", code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: Code[code] });
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Server side: continues the caller's trace from the W3C `traceparent`/`tracestate`
 * headers (HTTP/2 calls are not seen by the http instrumentation) and makes the call's
 * span current, so database spans nest under it.
 */
export function traceServerInterceptor(): Interceptor {
  return (next) => (req) => {
    if (untraced.has(req.service.typeName)) return next(req);
    const parent = propagation.extract(ROOT_CONTEXT, req.header, getter);
    const span = tracer().startSpan(
      `${req.service.typeName}/${req.method.name}`,
      { kind: SpanKind.SERVER, attributes: attributes(req) },
      parent,
    );
    return context.with(trace.setSpan(parent, span), () => inSpan(span, () => next(req)));
  };
}

/** Client side: a span per outgoing call, its context injected as W3C trace headers. */
export function traceClientInterceptor(): Interceptor {
  return (next) => (req) => {
    if (untraced.has(req.service.typeName)) return next(req);
    const span = tracer().startSpan(`${req.service.typeName}/${req.method.name}`, {
      kind: SpanKind.CLIENT,
      attributes: attributes(req),
    });
    const ctx = trace.setSpan(context.active(), span);
    propagation.inject(ctx, req.header, setter);
    return context.with(ctx, () => inSpan(span, () => next(req)));
  };
}
