import { create } from "@bufbuild/protobuf";
import {
  type GroupMemberColumns,
  GroupMemberColumnsSchema,
  GroupMemberSchema,
  type Group as GroupMessage,
  GroupSchema as GroupMessageSchema,
  MembershipSource,
  MembershipState,
} from "@cosafe/proto/identity";
import type { MemberView } from "../../domain/group/group-queries.js";
import type { Group } from "../../storage/entities.js";
import { toTimestamp } from "./timestamps.js";

export function toGroupMessage(group: Group, etag: string): GroupMessage {
  return create(GroupMessageSchema, {
    id: group.id,
    tenantId: group.tenantId,
    accountId: group.accountId,
    displayName: group.displayName,
    externalId: group.externalId ?? "",
    scimLinked: group.scimLinked,
    etag,
    createTime: toTimestamp(group.createdAt),
    updateTime: toTimestamp(group.updatedAt),
  });
}

export function toGroupMemberMessage(member: MemberView) {
  return create(GroupMemberSchema, {
    userId: member.userId,
    display: member.display,
    source: member.source === "SCIM" ? MembershipSource.SCIM : MembershipSource.MANUAL,
    state: member.state === "ACTIVE" ? MembershipState.ACTIVE : MembershipState.DORMANT,
  });
}

/** A page of members as parallel columns (GroupMemberColumns): no message per member. */
export function toGroupMemberColumns(members: readonly MemberView[]): GroupMemberColumns {
  const n = members.length;
  const userIds = new Array<string>(n);
  const displays = new Array<string>(n);
  const sources = new Array<MembershipSource>(n);
  const states = new Array<MembershipState>(n);
  for (let i = 0; i < n; i++) {
    const member = members[i] as MemberView;
    userIds[i] = member.userId;
    displays[i] = member.display;
    sources[i] = member.source === "SCIM" ? MembershipSource.SCIM : MembershipSource.MANUAL;
    states[i] = member.state === "ACTIVE" ? MembershipState.ACTIVE : MembershipState.DORMANT;
  }
  return create(GroupMemberColumnsSchema, { userIds, displays, sources, states });
}
