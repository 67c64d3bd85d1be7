/**
 * A small command-line parser: the CLI's commands declare their positionals and options,
 * and this turns argv into values or a UsageError that names what is wrong.
 *
 * Accepted forms: `--name value`, `--name=value`, boolean `--json`, repeated options
 * (`--outcome a --outcome b`, or `--outcome a,b`), `--` ends the options, and `-h` is
 * `--help`. A token like `-5` is a positional (so `set-limit t -5` reaches validation).
 */

/** Thrown for a wrong command line; `run` prints it with the command's help and exits 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose help to print; undefined prints the overview. */
    readonly command?: string[],
  ) {
    super(message);
    this.name = "UsageError";
  }
}

export interface OptionSpec {
  /** Long name without dashes, e.g. "expires-in". */
  name: string;
  /** "string" takes a value; "boolean" is a switch. */
  type: "string" | "boolean";
  /** May be given several times (values also split on commas). */
  multiple?: boolean;
  /** Shown in help, e.g. "DURATION". */
  value?: string;
  description: string;
}

export interface PositionalSpec {
  name: string;
  description: string;
  optional?: boolean;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedArgs {
  positionals: string[];
  options: OptionValues;
}

/** Options every command accepts. */
export const globalOptions: OptionSpec[] = [
  { name: "json", type: "boolean", description: "print machine-readable JSON instead of tables" },
  { name: "help", type: "boolean", description: "show help for this command" },
];

/** Parses `argv` (the tokens after the command words) against the command's declared inputs. */
export function parseArgs(
  argv: readonly string[],
  spec: { positionals: PositionalSpec[]; options: OptionSpec[] },
  command?: string[],
): ParsedArgs {
  const options: OptionValues = {};
  const positionals: string[] = [];
  const known = new Map([...globalOptions, ...spec.options].map((o) => [o.name, o]));
  let onlyPositionals = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (onlyPositionals || !token.startsWith("-") || token === "-" || /^-\d/.test(token)) {
      positionals.push(token);
      continue;
    }
    if (token === "--") {
      onlyPositionals = true;
      continue;
    }
    if (token === "-h") {
      options.help = true;
      continue;
    }
    if (!token.startsWith("--")) throw new UsageError(`unknown option ${token}`, command);
    const eq = token.indexOf("=");
    const name = token.slice(2, eq === -1 ? undefined : eq);
    const option = known.get(name);
    if (!option) throw new UsageError(`unknown option --${name}`, command);
    if (option.type === "boolean") {
      if (eq !== -1) throw new UsageError(`option --${name} takes no value`, command);
      options[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = token.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || (value.startsWith("--") && value.length > 2)) {
        throw new UsageError(
          `option --${name} needs a value${option.value ? ` (${option.value})` : ""}`,
          command,
        );
      }
      i++;
    }
    if (option.multiple) {
      const values = value
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v !== "");
      options[name] = [...((options[name] as string[] | undefined) ?? []), ...values];
    } else {
      if (options[name] !== undefined) throw new UsageError(`option --${name} given twice`, command);
      options[name] = value;
    }
  }
  if (options.help) return { positionals, options };
  const required = spec.positionals.filter((p) => !p.optional).length;
  if (positionals.length < required) {
    const missing = spec.positionals.slice(positionals.length).filter((p) => !p.optional);
    throw new UsageError(`missing ${missing.map((p) => `<${p.name}>`).join(" ")}`, command);
  }
  if (positionals.length > spec.positionals.length) {
    throw new UsageError(`unexpected argument "${positionals[spec.positionals.length]}"`, command);
  }
  return { positionals, options };
}

/** Reads a string option. */
export function stringOption(options: OptionValues, name: string): string | undefined {
  const value = options[name];
  return typeof value === "string" ? value : undefined;
}

/** Reads a repeatable option. */
export function listOption(options: OptionValues, name: string): string[] {
  const value = options[name];
  return Array.isArray(value) ? value : [];
}

/** Reads a non-negative integer option or positional; `what` names it in the error. */
export function parseCount(text: string, what: string, command?: string[], max = 2_147_483_647): number {
  if (!/^\d+$/.test(text) || Number(text) > max) {
    throw new UsageError(`${what} must be a whole number between 0 and ${max}, got "${text}"`, command);
  }
  return Number(text);
}

const units: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a duration such as `90d`, `1h`, `30m`, `45s`, `2w` into milliseconds. */
export function parseDuration(text: string, what: string, command?: string[]): number {
  const match = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  if (!match) {
    throw new UsageError(
      `${what} must be a duration like 30m, 1h, 90d or 2w (units s, m, h, d, w), got "${text}"`,
      command,
    );
  }
  const ms = Number(match[1]) * (units[match[2] as string] as number);
  if (ms <= 0) throw new UsageError(`${what} must be longer than zero, got "${text}"`, command);
  return ms;
}

/**
 * Parses a point in time: a duration back from now (`1h` = one hour ago) or an ISO 8601
 * date/time (`2025-03-01`, `2025-03-01T12:00:00Z`).
 */
export function parseSince(text: string, what: string, now: Date, command?: string[]): Date {
  if (/^\d+\s*[smhdw]$/.test(text.trim()))
    return new Date(now.getTime() - parseDuration(text, what, command));
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const date = new Date(text);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new UsageError(
    `${what} must be a duration back from now (30m, 1h, 7d) or an ISO date/time (2025-03-01T12:00:00Z), got "${text}"`,
    command,
  );
}
