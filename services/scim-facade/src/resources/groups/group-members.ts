import type { GroupMember } from "@cosafe/proto/identity";
import type { CoreClients } from "../../clients.js";

const pageSize = 10_000;
type Options = { headers: Record<string, string> };

/**
 * Every member of a group from the given page on, read through the paged member RPC: the
 * rest of a member list whose first page a write returned.
 */
export async function loadMembers(
  core: CoreClients,
  tenantId: string,
  groupId: string,
  options: Options,
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

/**
 * The members of a page of groups, read together through ListMembersOfGroups — one call for
 * a page of ordinary groups, more only for pages of more than 10,000 members — and only when
 * the client asked for members (Entra never does: it sends excludedAttributes=members, R25).
 */
export async function loadMembersOfGroups(
  core: CoreClients,
  tenantId: string,
  groupIds: readonly string[],
  options: Options,
): Promise<Map<string, GroupMember[]>> {
  const byGroup = new Map<string, GroupMember[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return byGroup;
  let pageToken = "";
  do {
    const page = await core.groups.listMembersOfGroups(
      { tenantId, groupIds: [...groupIds], pageSize, pageToken },
      options,
    );
    for (const { groupId, member } of page.members) if (member) byGroup.get(groupId)?.push(member);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return byGroup;
}
