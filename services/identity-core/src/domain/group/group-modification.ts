import type { Group } from "../../storage/entities.js";
import type { MemberView } from "./member-page.js";

/** One write to a group (ModifyGroup, ADR 0014): what SCIM's PATCH or PUT asks for, in one go. */
export interface GroupModification {
  /** The version the caller read; absent skips the check. */
  etag?: string | undefined;
  /** The new name; absent or blank keeps the current one (R14). */
  displayName?: string | undefined;
  /** The new externalId; absent keeps it, empty clears it. */
  externalId?: string | undefined;
  /** Removed first, then `add` added. */
  add: readonly string[];
  remove: readonly string[];
  /** A full member list: the visible members (R10) become exactly these. */
  replace?: readonly string[] | undefined;
  /** Read the first page of members in the same transaction. */
  returnMembers: boolean;
}

export interface ModifyOutcome {
  group: Group;
  etag: string;
  added: string[];
  removed: string[];
  deprovisioned: string[];
  reprovisioned: string[];
  members: MemberView[] | undefined;
  membersTotal: number;
}
