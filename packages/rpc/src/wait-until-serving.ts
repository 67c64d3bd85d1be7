import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "@cosafe/proto/health";

export interface WaitUntilServingOptions {
  baseUrl: string;
  /** Names the server in errors, e.g. "licensing". */
  name: string;
  /** Settles when the server's process exits: waiting stops at once with an error. */
  exited?: Promise<unknown>;
  timeoutMs?: number;
}

/**
 * Polls the standard grpc.health.v1 check until the server answers SERVING — how launchers
 * and tests know a freshly started service is ready. Fails if its process exits first or
 * the time runs out.
 */
export async function waitUntilServing(options: WaitUntilServingOptions): Promise<void> {
  const health = createClient(Health, createGrpcTransport({ baseUrl: options.baseUrl }));
  let gone = false;
  void options.exited?.then(() => {
    gone = true;
  });
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone) throw new Error(`${options.name} exited during start-up`);
    const status = await health
      .check({ service: "" }, { timeoutMs: 1000 })
      .then((r) => r.status)
      .catch(() => undefined);
    if (status === HealthCheckResponse_ServingStatus.SERVING) return;
    if (Date.now() > deadline)
      throw new Error(`${options.name} did not become ready within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
