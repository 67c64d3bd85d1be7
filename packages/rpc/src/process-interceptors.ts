import type { Interceptor } from "@connectrpc/connect";

/**
 * Interceptors that process-wide instrumentation (tracing) adds to every gRPC server and
 * client of this process, outermost. Empty unless turned on at start-up, before the
 * servers and transports are built: then nothing is added to any call.
 */
export const processInterceptors: { server: Interceptor[]; client: Interceptor[] } = {
  server: [],
  client: [],
};
