import type { UserGroup } from "@cosafe/proto/identity";
import type { CoreClients } from "../../clients.js";

const pageSize = 10_000;

/**
 * The groups of a page of users (SCIM User.groups), read together through
 * ListGroupsOfUsers — one call for an ordinary page — and only when the response shows them
 * (`excludedAttributes=groups` skips the call).
 */
export async function loadGroupsOfUsers(
  core: CoreClients,
  tenantId: string,
  userIds: readonly string[],
  options: { headers: Record<string, string> },
): Promise<Map<string, UserGroup[]>> {
  const byUser = new Map<string, UserGroup[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) return byUser;
  let pageToken = "";
  do {
    const page = await core.groups.listGroupsOfUsers(
      { tenantId, userIds: [...userIds], pageSize, pageToken },
      options,
    );
    for (const group of page.groups) byUser.get(group.userId)?.push(group);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return byUser;
}
