import { globalOptions, type OptionSpec } from "./args.js";
import type { Command, CommandGroup } from "./command.js";
import { environmentHelp } from "./config.js";
import { ExitCode } from "./exit-codes.js";

function columns(rows: [string, string][], indent = "  "): string[] {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `${indent}${left.padEnd(width)}  ${right}`.trimEnd());
}

function usage(command: Command): string {
  const args = command.positionals.map((p) => (p.optional ? `[${p.name}]` : `<${p.name}>`));
  return ["cosafe", ...command.words, ...args, "[options]"].join(" ");
}

function optionRows(options: OptionSpec[]): [string, string][] {
  return options.map((o) => [
    `--${o.name}${o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""}`,
    o.description,
  ]);
}

const exitCodeHelp: [string, string][] = [
  [String(ExitCode.OK), "ok"],
  [String(ExitCode.FAILURE), "a service refused or failed the request (or it is not available yet)"],
  [String(ExitCode.USAGE), "wrong command line or configuration; nothing was sent"],
  [String(ExitCode.UNAVAILABLE), "a service is unreachable, timed out or rejected the CLI's credentials"],
  [String(ExitCode.INTERRUPTED), "interrupted"],
];

/** `cosafe --help`. */
export function overviewHelp(groups: CommandGroup[]): string {
  const rows: [string, string][] = groups.flatMap((g) =>
    g.commands.map(
      (c) =>
        [[...c.words, ...c.positionals.map((p) => `<${p.name}>`)].join(" "), c.summary] as [string, string],
    ),
  );
  return [
    "cosafe — the Cosafe SCIM support CLI (acts with the SUPPORT role over gRPC)",
    "",
    "Usage: cosafe <command> [arguments] [options]",
    "",
    "Commands:",
    ...columns(rows),
    "",
    "Options for every command:",
    ...columns(optionRows(globalOptions)),
    "",
    "Environment:",
    ...columns(environmentHelp),
    "",
    "Exit codes:",
    ...columns(exitCodeHelp),
    "",
    "Run `cosafe <command> --help` for a command's arguments and options.",
  ].join("\n");
}

/** `cosafe tenant --help`. */
export function groupHelp(group: CommandGroup): string {
  return [
    `cosafe ${group.name} — ${group.summary}`,
    "",
    "Commands:",
    ...columns(group.commands.map((c) => [usage(c), c.summary])),
    "",
    `Run \`cosafe ${group.name} <command> --help\` for details.`,
  ].join("\n");
}

/** `cosafe tenant create --help`. */
export function commandHelp(command: Command): string {
  const lines = [`Usage: ${usage(command)}`, "", command.summary];
  if (command.description) lines.push("", command.description);
  if (command.positionals.length > 0) {
    lines.push("", "Arguments:", ...columns(command.positionals.map((p) => [`<${p.name}>`, p.description])));
  }
  lines.push("", "Options:", ...columns(optionRows([...command.options, ...globalOptions])));
  if (command.examples?.length) lines.push("", "Examples:", ...command.examples.map((e) => `  ${e}`));
  return lines.join("\n");
}
