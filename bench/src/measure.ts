import { cpuMeter } from "./process-cpu.js";

/** The processes whose CPU time per request each row reports (name → pid); set once the stack runs. */
let measured: Record<string, number> = {};
export function measureCpuOf(processes: Record<string, number>): void {
  measured = processes;
}

/**
 * Runs `total` async tasks with `concurrency` workers; returns throughput, latency percentiles
 * and the CPU milliseconds per task each measured process spent.
 */
export async function measure(total: number, concurrency: number, task: (i: number) => Promise<void>) {
  const latencies: number[] = [];
  const cpu = cpuMeter(measured);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await task(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return { perSecond: total / seconds, p50: pct(50), p95: pct(95), p99: pct(99), cpuMs: cpu(total) };
}

export type Figures = Awaited<ReturnType<typeof measure>>;

export function formatRow(name: string, figures: Figures, unit = "req/s"): string {
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const cpu = Object.entries(figures.cpuMs)
    .map(([process, value]) => `${process} ${value.toFixed(2)}`)
    .join(", ");
  return `${name.padEnd(58)} ${figures.perSecond.toFixed(0).padStart(6)} ${unit}   p50 ${ms(figures.p50)}   p95 ${ms(figures.p95)}   p99 ${ms(figures.p99)}${cpu ? `   CPU ms per ${unit === "req/s" ? "request" : "call"}: ${cpu}` : ""}`;
}
