/**
 * Everything the CLI prints goes through here: results to stdout (tables and key/value
 * blocks for people, JSON for scripts), notes, warnings and progress to stderr, so
 * `--json` output on stdout always parses.
 */

/** The part of a stream the CLI writes to (process.stdout, or a buffer in tests). */
export interface TextSink {
  write(chunk: string): unknown;
  /** Progress is drawn only on a terminal. */
  isTTY?: boolean;
}

export interface Column<T> {
  header: string;
  value: (row: T) => string;
}

export interface Progress {
  /** Reports `done` items (of `total`, when known). */
  update(done: number, total?: number): void;
  /** Clears the progress line. */
  end(): void;
}

export class Output {
  constructor(
    private readonly stdout: TextSink,
    private readonly stderr: TextSink,
    /** True with `--json`. */
    readonly json: boolean,
  ) {}

  /** Prints one result: `value` as JSON with `--json`, otherwise whatever `human` prints. */
  result(value: unknown, human: () => void): void {
    if (this.json) this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    else human();
  }

  /** One JSON value on one line (follow mode: JSON Lines). */
  jsonLine(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value)}\n`);
  }

  line(text = ""): void {
    this.stdout.write(`${text}\n`);
  }

  /** Aligned `label  value` lines. */
  fields(pairs: [string, string][]): void {
    const width = Math.max(0, ...pairs.map(([label]) => label.length));
    for (const [label, value] of pairs) this.line(`${label.padEnd(width)}  ${value}`);
  }

  /** A table with a header row; `empty` is printed instead when there are no rows. */
  table<T>(columns: Column<T>[], rows: readonly T[], empty: string): void {
    if (rows.length === 0) {
      this.line(empty);
      return;
    }
    const cells = rows.map((row) => columns.map((c) => oneLine(c.value(row))));
    const widths = columns.map((c, i) =>
      Math.max(c.header.length, ...cells.map((r) => (r[i] as string).length)),
    );
    const format = (values: string[]) =>
      values
        .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] as number)))
        .join("  ")
        .trimEnd();
    this.line(format(columns.map((c) => c.header)));
    for (const row of cells) this.line(format(row));
  }

  /** Information for the person, never part of the result (stderr). */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  warn(text: string): void {
    this.stderr.write(`warning: ${text}\n`);
  }

  /** A progress line on stderr, redrawn in place; silent when stderr is not a terminal. */
  progress(label: string): Progress {
    if (!this.stderr.isTTY) return { update() {}, end() {} };
    let drawn = false;
    return {
      update: (done, total) => {
        drawn = true;
        this.stderr.write(`\r\x1b[2K${label}: ${done}${total === undefined ? "" : ` of ${total}`}`);
      },
      end: () => {
        if (drawn) this.stderr.write("\r\x1b[2K");
        drawn = false;
      },
    };
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ");
}

/** `2025-03-01 12:00:00Z`, or "-" when absent. */
export function formatTime(date: Date | undefined): string {
  if (!date) return "-";
  return `${date.toISOString().slice(0, 19).replace("T", " ")}Z`;
}

/** "in 3 days", "2 hours ago", … relative to `now`. */
export function formatRelative(date: Date, now: Date): string {
  const ms = date.getTime() - now.getTime();
  const abs = Math.abs(ms);
  const steps: [number, string][] = [
    [86_400_000, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
  ];
  let text = "less than a minute";
  for (const [size, unit] of steps) {
    if (abs >= size) {
      const n = Math.round(abs / size);
      text = `${n} ${unit}${n === 1 ? "" : "s"}`;
      break;
    }
  }
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}
