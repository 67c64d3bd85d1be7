/**
 * Last-resort shutdown of servers whose owner did not call stop(): when this process exits, each
 * still-running server gets SIGINT (fast shutdown; it finishes on its own). On SIGINT/SIGTERM/
 * SIGHUP the same happens, then the signal is re-raised, but only when nothing else in the
 * process handles that signal (a program with its own handler shuts down in its own order and
 * calls stop()). A kill -9 bypasses all this; the next start recovers from it.
 */
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const running = new Set<number>();

/** Tracks a server's postmaster pid until the returned function is called. */
export function stopOnExit(pid: number): () => void {
  running.add(pid);
  if (running.size === 1) install();
  return () => {
    running.delete(pid);
    if (running.size === 0) uninstall();
  };
}

function install(): void {
  process.on("exit", interruptServers);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstall(): void {
  process.off("exit", interruptServers);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

function interruptServers(): void {
  for (const pid of running) {
    try {
      process.kill(pid, "SIGINT");
    } catch {
      // already gone
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  interruptServers();
  running.clear();
  uninstall();
  process.kill(process.pid, signal);
}
