import type { User, UserGroup } from "@cosafe/proto/identity";
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

/** Groups that came back with the user read itself (`include_groups`), per user message. */
const prefetched = new WeakMap<User, UserGroup[]>();

/**
 * Keeps the groups a user read answered with, so rendering needs no ListGroupsOfUsers call. A
 * read with more than one page of groups (`nextPageToken`) is not kept: rendering pages through
 * them all.
 */
export function rememberGroups(
  users: readonly User[],
  groups: readonly UserGroup[] = [],
  nextPageToken = "",
): void {
  if (nextPageToken) return;
  const byUser = new Map<string, UserGroup[]>(users.map((user) => [user.id, []]));
  for (const group of groups) byUser.get(group.userId)?.push(group);
  for (const user of users) prefetched.set(user, byUser.get(user.id) ?? []);
}

/** The groups kept for every one of `users`, or undefined when any of them has none kept. */
export function rememberedGroups(users: readonly User[]): Map<string, UserGroup[]> | undefined {
  const byUser = new Map<string, UserGroup[]>();
  for (const user of users) {
    const groups = prefetched.get(user);
    if (!groups) return undefined;
    byUser.set(user.id, groups);
  }
  return byUser;
}
