import type { MikroORM } from "@mikro-orm/postgresql";
import { boundRows } from "./bound-sql.js";

/** The stored columns of a provisioning entry (R20), in insert and select order. */
export const provisioningEntryColumns = `id, tenant_id, token_id, request_id, time, method, path, resource_type, resource_id,
  user_name, external_id, outcome, status, scim_type, detail, ignored_attributes, duration_us`;

/**
 * Stores a batch of validated entries (rows keyed like the columns) in one bound statement;
 * ids already stored are skipped, so a retried batch stores nothing twice. Returns how many
 * were new. The batch travels as one jsonb value, never escaped into the statement's text.
 */
export async function insertProvisioningEntries(orm: MikroORM, rows: readonly object[]): Promise<number> {
  const [result] = await boundRows<{ recorded: number }>(
    orm,
    `with inserted as (
       insert into identity.provisioning_entry (${provisioningEntryColumns})
       select ${provisioningEntryColumns} from jsonb_to_recordset(?::jsonb) as r(
         id uuid, tenant_id uuid, token_id uuid, request_id text, time timestamptz, method text,
         path text, resource_type text, resource_id text, user_name text, external_id text,
         outcome text, status smallint, scim_type text, detail text, ignored_attributes text[],
         duration_us bigint)
       on conflict (id) do nothing
       returning 1)
     select count(*)::int as recorded from inserted`,
    [JSON.stringify(rows)],
  );
  return result?.recorded ?? 0;
}
