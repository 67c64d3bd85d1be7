import type { GroupMember } from "@cosafe/proto/identity";
import type { CoreClients } from "../../clients.js";

const pageSize = 10_000;

/**
 * Every member of a group (from the given page on), read through the paged member RPC — only when the client asked
 * for members (Entra never does: it sends excludedAttributes=members, R25).
 */
export async function loadMembers(
  core: CoreClients,
  tenantId: string,
  groupId: string,
  options: { headers: Record<string, string> },
  fromPageToken = "",
): Promise<GroupMember[]> {
  const members: GroupMember[] = [];
  let pageToken = fromPageToken;
  do {
    const page = await core.groups.listGroupMembers({ tenantId, groupId, pageSize, pageToken }, options);
    members.push(...page.members);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return members;
}
