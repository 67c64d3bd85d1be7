import type { CallContext } from "@cosafe/rpc";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Group } from "../../storage/entities.js";
import { recordAudit } from "../audit/record-audit.js";
import { assertLinkedNameFree } from "./linked-name.js";

/**
 * R11: a manual group becomes SCIM-linked on the identity provider's first write to it;
 * its manual members stay untouched (R10). A name already used by another linked group
 * refuses the write (R13).
 */
export async function linkGroup(em: EntityManager, call: CallContext, group: Group): Promise<void> {
  if (group.scimLinked) return;
  await assertLinkedNameFree(em, group.tenantId, group.displayName, group.id);
  group.scimLinked = true;
  recordAudit(em, call, {
    tenantId: group.tenantId,
    action: "group.linked",
    targetType: "group",
    targetId: group.id,
    before: { scimLinked: false },
    after: { scimLinked: true },
  });
  await em.flush();
}
