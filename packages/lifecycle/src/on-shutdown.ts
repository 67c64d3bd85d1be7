interface LogSink {
  info(message: string): void;
  error(object: unknown, message: string): void;
}

/**
 * Runs the given close functions once, in order, on SIGTERM or SIGINT, then exits.
 * A second signal, or a close that hangs past the grace period, exits at once.
 */
export function onShutdown(log: LogSink, closers: (() => Promise<void>)[], graceMs = 10_000): void {
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) process.exit(1);
    closing = true;
    log.info(`received ${signal}, shutting down`);
    const timer = setTimeout(() => process.exit(1), graceMs);
    timer.unref();
    try {
      for (const close of closers) await close();
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, "shutdown failed");
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
