/** Runs `total` async tasks with `concurrency` workers; returns throughput and latency percentiles. */
export async function measure(total: number, concurrency: number, task: (i: number) => Promise<void>) {
  const latencies: number[] = [];
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
  return { perSecond: total / seconds, p50: pct(50), p95: pct(95), p99: pct(99) };
}

export type Figures = Awaited<ReturnType<typeof measure>>;

export function formatRow(name: string, figures: Figures, unit = "req/s"): string {
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  return `${name.padEnd(58)} ${figures.perSecond.toFixed(0).padStart(6)} ${unit}   p50 ${ms(figures.p50)}   p95 ${ms(figures.p95)}   p99 ${ms(figures.p99)}`;
}
