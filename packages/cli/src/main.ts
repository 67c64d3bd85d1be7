import { randomUUID } from "node:crypto";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createClient } from "@connectrpc/connect";
import {
  AccountService,
  ActorType,
  AuditService,
  DeprovisionBrakeService,
  GroupService,
  ImportService,
  OAuthClientService,
  ProvisioningLogService,
  Role,
  ScimTokenService,
  SeatService,
  TenantService,
  UserService,
} from "@cosafe/proto/identity";
import { LicenseService } from "@cosafe/proto/licensing";
import { actorHeaders, createServiceTransport, headers } from "@cosafe/rpc";
import { globalOptions, parseArgs, UsageError } from "./args.js";
import type { Clients, Command, CommandContext, CommandGroup } from "./command.js";
import { commandGroups } from "./commands/index.js";
import { type CliConfig, loadConfig } from "./config.js";
import { labelClient, translateError } from "./errors.js";
import { ExitCode } from "./exit-codes.js";
import { commandHelp, groupHelp, overviewHelp } from "./help.js";
import { Output, type TextSink } from "./output.js";

/** What `run` needs from its surroundings; tests pass buffers and an environment of their own. */
export interface RunIO {
  env: Record<string, string | undefined>;
  stdout: TextSink;
  stderr: TextSink;
  /** Aborting stops `--follow` (exit 0) and cancels calls in flight. */
  signal?: AbortSignal;
  now?: () => Date;
}

type Target = { group?: CommandGroup; command?: Command };

const globalFlags = new Set([...globalOptions.map((o) => `--${o.name}`), "-h"]);

/** Finds the command the words name; the remaining tokens are its arguments. */
function resolve(argv: readonly string[]): { target: Target; rest: string[]; help: boolean } {
  const rest: string[] = [];
  const tokens = [...argv];
  const words: string[] = [];
  let help = false;
  while (tokens.length > 0) {
    const token = tokens[0] as string;
    if (globalFlags.has(token)) rest.push(tokens.shift() as string);
    else if (token.startsWith("-")) break;
    else if (words.length === 0 && token === "help" && !help) {
      help = true;
      tokens.shift();
    } else {
      const group = words.length === 0 ? undefined : commandGroups.find((g) => g.name === words[0]);
      if (group?.commands.some((c) => c.words.length === 1)) break;
      if (words.length === 2) break;
      words.push(tokens.shift() as string);
    }
  }
  rest.push(...tokens);
  if (words.length === 0) return { target: {}, rest, help };
  const group = commandGroups.find((g) => g.name === words[0]);
  if (!group) {
    throw new UsageError(`unknown command "${words[0]}"`);
  }
  const single = group.commands.find((c) => c.words.length === 1);
  if (single) return { target: { group, command: single }, rest: [...words.slice(1), ...rest], help };
  if (words.length === 1) return { target: { group }, rest, help };
  const command = group.commands.find((c) => c.words[1] === words[1]);
  if (!command) throw new UsageError(`unknown command "${words.join(" ")}"`, [group.name]);
  return { target: { group, command }, rest, help };
}

function helpText(words: string[] | undefined): string {
  const group = commandGroups.find((g) => g.name === words?.[0]);
  const command = group?.commands.find((c) => c.words.join(" ") === words?.join(" "));
  if (command) return commandHelp(command);
  if (group && words?.length === 1 && group.commands.length > 1) return groupHelp(group);
  if (group?.commands.length === 1 && group.commands[0]) return commandHelp(group.commands[0]);
  return overviewHelp(commandGroups);
}

/** The gRPC clients, each call labelled with its service for error messages. */
function createClients(config: CliConfig, requestId: string): Clients {
  const credential = { service: config.serviceName, secret: config.serviceSecret };
  const transport = (baseUrl: string) =>
    createServiceTransport({ baseUrl, credential, timeoutMs: config.timeoutMs });
  const core = transport(config.identityCoreUrl);
  const licensing = transport(config.licensingUrl);
  const coreLabel = { service: "identity-core", url: config.identityCoreUrl, requestId };
  const licensingLabel = { service: "licensing", url: config.licensingUrl, requestId };
  return {
    tenants: labelClient(createClient(TenantService, core), TenantService, coreLabel),
    accounts: labelClient(createClient(AccountService, core), AccountService, coreLabel),
    tokens: labelClient(createClient(ScimTokenService, core), ScimTokenService, coreLabel),
    oauthClients: labelClient(createClient(OAuthClientService, core), OAuthClientService, coreLabel),
    audit: labelClient(createClient(AuditService, core), AuditService, coreLabel),
    provisioningLog: labelClient(
      createClient(ProvisioningLogService, core),
      ProvisioningLogService,
      coreLabel,
    ),
    licenses: labelClient(createClient(LicenseService, licensing), LicenseService, licensingLabel),
    imports: labelClient(createClient(ImportService, core), ImportService, coreLabel),
    brake: labelClient(createClient(DeprovisionBrakeService, core), DeprovisionBrakeService, coreLabel),
    users: labelClient(createClient(UserService, core), UserService, coreLabel),
    groups: labelClient(createClient(GroupService, core), GroupService, coreLabel),
    seats: labelClient(createClient(SeatService, core), SeatService, coreLabel),
  };
}

function abortableSleep(signal: AbortSignal) {
  return (ms: number) =>
    new Promise<void>((done) => {
      if (signal.aborted) return done();
      const timer = setTimeout(finish, ms);
      function finish() {
        clearTimeout(timer);
        signal.removeEventListener("abort", finish);
        done();
      }
      signal.addEventListener("abort", finish, { once: true });
    });
}

/**
 * Runs one CLI invocation and returns its exit code. Prints results on `stdout`, and
 * notes, warnings, progress and errors on `stderr`. Never calls process.exit.
 */
export async function run(argv: readonly string[], io: RunIO): Promise<number> {
  const dashDash = argv.indexOf("--");
  const json = (dashDash === -1 ? argv : argv.slice(0, dashDash)).includes("--json");
  const out = new Output(io.stdout, io.stderr, json);
  try {
    const { target, rest, help } = resolve(argv);
    const { command } = target;
    if (!command) {
      const text = target.group ? groupHelp(target.group) : overviewHelp(commandGroups);
      if (help || rest.includes("--help") || rest.includes("-h")) {
        io.stdout.write(`${text}\n`);
        return ExitCode.OK;
      }
      throw new UsageError(
        target.group ? `missing command after "${target.group.name}"` : "missing command",
        [...(target.group ? [target.group.name] : [])],
      );
    }
    const args = help ? undefined : parseArgs(rest, command, command.words);
    if (!args || args.options.help) {
      io.stdout.write(`${commandHelp(command)}\n`);
      return ExitCode.OK;
    }
    const config = loadConfig(io.env);
    const requestId = `cli-${randomUUID()}`;
    const signal = io.signal ?? new AbortController().signal;
    const ctx: CommandContext = {
      clients: createClients(config, requestId),
      call: {
        headers: {
          ...actorHeaders({ type: ActorType.PERSON, id: config.supportPerson, role: Role.SUPPORT }),
          [headers.requestId]: requestId,
        },
        signal,
      },
      out,
      supportPerson: config.supportPerson,
      now: io.now ?? (() => new Date()),
      sleep: abortableSleep(signal),
      signal,
    };
    await command.run(ctx, args);
    return ExitCode.OK;
  } catch (error) {
    const translated = translateError(error);
    if (json) io.stderr.write(`${JSON.stringify({ error: translated.json })}\n`);
    else {
      io.stderr.write(`error: ${translated.message}\n`);
      for (const detail of translated.details) io.stderr.write(`  ${detail}\n`);
    }
    if (error instanceof UsageError && !json) io.stderr.write(`\n${helpText(error.command)}\n`);
    return translated.exitCode;
  }
}

/** True when this module is the program (`tsx src/main.ts`), not imported by a test or bin/cosafe.mjs. */
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** Runs the CLI as a process: real streams and environment, Ctrl-C stops follow mode. */
export async function main(): Promise<void> {
  const controller = new AbortController();
  process.once("SIGINT", () => {
    controller.abort();
    process.once("SIGINT", () => process.exit(ExitCode.INTERRUPTED));
  });
  process.exitCode = await run(process.argv.slice(2), {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  });
}

if (isEntryPoint()) await main();
