import type { GroupMemberColumns } from "@cosafe/proto/identity";
import type { CoreClients } from "../../clients.js";

/** What a SCIM group response shows of a member (a GroupMember satisfies it). */
export interface MemberRef {
  userId: string;
  display: string;
}

/** A page of members carried as columns (GroupMemberColumns), as plain member refs. */
export function membersFromColumns(
  columns: GroupMemberColumns | undefined,
  into: MemberRef[] = [],
): MemberRef[] {
  if (!columns) return into;
  const { userIds, displays } = columns;
  for (let i = 0; i < userIds.length; i++)
    into.push({ userId: userIds[i] as string, display: displays[i] ?? "" });
  return into;
}

const pageSize = 10_000;
type Options = { headers: Record<string, string> };

/**
 * Every member of a group from the given page on, read through the paged member RPC in
 * columns: the rest of a member list whose first page a read or a write returned.
 */
export async function loadMembers(
  core: CoreClients,
  tenantId: string,
  groupId: string,
  options: Options,
  fromPageToken = "",
  into: MemberRef[] = [],
): Promise<MemberRef[]> {
  let pageToken = fromPageToken;
  do {
    const page = await core.groups.listGroupMembers(
      { tenantId, groupId, pageSize, pageToken, asColumns: true, skipTotal: true },
      options,
    );
    membersFromColumns(page.memberColumns, into);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return into;
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
): Promise<Map<string, MemberRef[]>> {
  const byGroup = new Map<string, MemberRef[]>(groupIds.map((id) => [id, []]));
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
