import type { CallOptions, Client } from "@connectrpc/connect";
import type {
  AccountService,
  AuditService,
  DeprovisionBrakeService,
  GroupService,
  ImportService,
  OAuthClientService,
  ProvisioningLogService,
  ScimTokenService,
  SeatService,
  TenantService,
  UserService,
} from "@cosafe/proto/identity";
import type { LicenseService } from "@cosafe/proto/licensing";
import type { OptionSpec, ParsedArgs, PositionalSpec } from "./args.js";
import type { Output } from "./output.js";

/** gRPC clients of the services the CLI talks to (built in main.ts). */
export interface Clients {
  tenants: Client<typeof TenantService>;
  accounts: Client<typeof AccountService>;
  tokens: Client<typeof ScimTokenService>;
  oauthClients: Client<typeof OAuthClientService>;
  audit: Client<typeof AuditService>;
  provisioningLog: Client<typeof ProvisioningLogService>;
  licenses: Client<typeof LicenseService>;
  imports: Client<typeof ImportService>;
  brake: Client<typeof DeprovisionBrakeService>;
  users: Client<typeof UserService>;
  groups: Client<typeof GroupService>;
  seats: Client<typeof SeatService>;
}

/** What a command gets to do its work; nothing here is global. */
export interface CommandContext {
  clients: Clients;
  /** Options for every call: actor headers (SUPPORT, the acting person), request id, abort signal. */
  call: CallOptions;
  out: Output;
  /** Who acts (COSAFE_SUPPORT_PERSON). */
  supportPerson: string;
  now(): Date;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number): Promise<void>;
  /** Aborted on Ctrl-C (or by a test). */
  signal: AbortSignal;
}

/** One command, e.g. `tenant create`. */
export interface Command {
  /** The words that select it, e.g. ["tenant", "create"]. */
  words: string[];
  summary: string;
  /** Longer explanation for `--help`. */
  description?: string;
  positionals: PositionalSpec[];
  options: OptionSpec[];
  examples?: string[];
  run(ctx: CommandContext, args: ParsedArgs): Promise<void>;
}

/** A top-level word and its commands (a group with one command of the same word is a plain command). */
export interface CommandGroup {
  name: string;
  summary: string;
  commands: Command[];
}
