import type { CallContext } from "@cosafe/rpc";
import type { EntityManager } from "@mikro-orm/postgresql";
import { type Group, GroupSchema } from "../../storage/entities.js";
import { recordAudit } from "../audit/record-audit.js";
import { assertLinkedNameFree } from "./linked-name.js";

function auditLink(em: EntityManager, call: CallContext, group: Group): void {
  recordAudit(em, call, {
    tenantId: group.tenantId,
    action: "group.linked",
    targetType: "group",
    targetId: group.id,
    before: { scimLinked: false },
    after: { scimLinked: true },
  });
}

/**
 * R11: a manual group becomes SCIM-linked on the identity provider's first write to it;
 * its manual members stay untouched (R10). A name already used by another linked group
 * refuses the write (R13).
 *
 * For membership changes, which leave the group entity otherwise unchanged: one conditional
 * UPDATE, so parallel first writes all succeed and exactly one of them links (and audits);
 * the others read the linked row back.
 */
export async function linkGroup(em: EntityManager, call: CallContext, group: Group): Promise<void> {
  if (group.scimLinked) return;
  await assertLinkedNameFree(em, group.tenantId, group.displayName, group.id);
  const [linked] = (await em.execute(
    `update identity.app_group set scim_linked = true, version = version + 1, updated_at = now()
      where id = ? and not scim_linked returning *`,
    [group.id],
  )) as Record<string, unknown>[];
  if (linked) {
    auditLink(em, call, group);
    em.map(GroupSchema, linked);
    return;
  }
  const [current] = (await em.execute("select * from identity.app_group where id = ?", [group.id])) as Record<
    string,
    unknown
  >[];
  if (current) em.map(GroupSchema, current);
}

/**
 * The same for an update of the group itself, whose unit of work writes the row anyway
 * (under its optimistic version): links in memory, checking the name the group will have.
 */
export async function linkGroupOnUpdate(em: EntityManager, call: CallContext, group: Group): Promise<void> {
  if (group.scimLinked) return;
  await assertLinkedNameFree(em, group.tenantId, group.displayName, group.id);
  group.scimLinked = true;
  auditLink(em, call, group);
}
