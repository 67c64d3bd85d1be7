import { waitUntilServing } from "@cosafe/rpc";
import type { ServiceProcess } from "./service-process.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function poll(
  service: ServiceProcess,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  let exited = false;
  void service.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${service.name} exited during start-up (see its log above)`);
    if (await probe().catch(() => false)) return;
    await sleep(150);
  }
  throw new Error(`${service.name} did not become ready within ${timeoutMs / 1000} s`);
}

/** Waits until a gRPC service answers the standard health check with SERVING. */
export function waitForGrpcHealth(
  service: ServiceProcess,
  baseUrl: string,
  timeoutMs = 60_000,
): Promise<void> {
  return waitUntilServing({
    baseUrl,
    name: `${service.name} (see its log above)`,
    exited: service.exited,
    timeoutMs,
  });
}

/** Waits until an HTTP readiness endpoint answers 200. */
export function waitForHttpReady(service: ServiceProcess, url: string, timeoutMs = 60_000): Promise<void> {
  return poll(service, async () => (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok, timeoutMs);
}
