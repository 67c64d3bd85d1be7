/**
 * When a launcher starts this process (COSAFE_PARENT_PID), follow it: if the launcher
 * dies — even by kill -9, which runs no handler — this process shuts down too, so the
 * next `pnpm start` finds its ports free.
 */
export function exitWithParent(
  parentPid: number | undefined,
  onOrphaned: () => void,
  intervalMs = 500,
): void {
  if (!parentPid) return;
  const timer = setInterval(() => {
    try {
      process.kill(parentPid, 0);
    } catch {
      clearInterval(timer);
      onOrphaned();
    }
  }, intervalMs);
  timer.unref();
}
