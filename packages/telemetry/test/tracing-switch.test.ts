import { processInterceptors } from "@cosafe/rpc";
import { describe, expect, it } from "vitest";
import { startTracing, tracingEnabled } from "../src/tracing.js";

describe("tracing is off unless the standard OTEL_* variables turn it on", () => {
  it("reads OTEL_TRACES_EXPORTER, the OTLP endpoints and OTEL_SDK_DISABLED", () => {
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: "none" })).toBe(false);
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: "console" })).toBe(true);
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: "otlp,console" })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" })).toBe(
      true,
    );
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: "console", OTEL_SDK_DISABLED: "true" })).toBe(false);
  });

  it("when off, starts nothing and adds no interceptor to any gRPC server or client", async () => {
    expect(await startTracing("test", { env: {} })).toBeUndefined();
    expect(processInterceptors.server).toHaveLength(0);
    expect(processInterceptors.client).toHaveLength(0);
  });
});
