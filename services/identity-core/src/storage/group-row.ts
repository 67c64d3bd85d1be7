import type { Group } from "./entities.js";
import { dateFromRow, dateOrNullFromRow } from "./row-dates.js";

/** An `identity.app_group` row as raw SQL returns it (snake_case; timestamps may arrive as text). */
export interface GroupRow {
  id: string;
  tenant_id: string;
  account_id: string;
  display_name: string;
  external_id: string | null;
  scim_linked: boolean;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
  deleted_at: Date | string | null;
}

/** A group as the domain reads it, straight from a row: no unit of work, no identity map. */
export function groupFromRow(row: GroupRow): Group {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    accountId: row.account_id,
    displayName: row.display_name,
    externalId: row.external_id,
    scimLinked: row.scim_linked,
    version: row.version,
    createdAt: dateFromRow(row.created_at),
    updatedAt: dateFromRow(row.updated_at),
    deletedAt: dateOrNullFromRow(row.deleted_at),
  } as Group;
}
