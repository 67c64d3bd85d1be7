import type { CommandGroup } from "../command.js";
import { accountCommands } from "./account.js";
import { auditCommands } from "./audit.js";
import { brakeCommands } from "./brake.js";
import { groupCommands } from "./group.js";
import { importCommands } from "./import.js";
import { logCommands } from "./log.js";
import { oauthClientCommands } from "./oauth-client.js";
import { seatsCommands } from "./seats.js";
import { tenantCommands } from "./tenant.js";
import { tokenCommands } from "./token.js";
import { userCommands } from "./user.js";

/** Every command, in the order `cosafe --help` lists them. New groups (pause, brake, import…) go here. */
export const commandGroups: CommandGroup[] = [
  tenantCommands,
  accountCommands,
  seatsCommands,
  brakeCommands,
  tokenCommands,
  oauthClientCommands,
  userCommands,
  groupCommands,
  logCommands,
  auditCommands,
  importCommands,
];
