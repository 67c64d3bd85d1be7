import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { isUuid } from "@cosafe/storage";
import type { MikroORM } from "@mikro-orm/postgresql";
import { insertProvisioningEntries, provisioningEntryColumns } from "../../storage/provisioning-entry-sql.js";
import { joinSql, type SqlFragment, sql } from "../../storage/query/sql-fragment.js";
import { pgArray } from "../../storage/sql/pg-array.js";
import { requireRole, requireTenantAccess } from "../access.js";
import { invalidArgument } from "../domain-error.js";
import { decodeCursor, encodeCursor } from "./list-cursor.js";
import type {
  ProvisioningEntryInput,
  ProvisioningEntryRecord,
  ProvisioningOutcomeName,
} from "./provisioning-entry.js";
import { validateEntries } from "./validate-entries.js";

export interface ProvisioningLogQuery {
  /** Only entries at or after this time. */
  from?: Date | undefined;
  /** Only entries before this time. */
  until?: Date | undefined;
  /** Only these outcomes; empty means all. */
  outcomes: readonly ProvisioningOutcomeName[];
  resourceId?: string | undefined;
  /** Compared case-insensitively, as userNames are (R1). */
  userName?: string | undefined;
  externalId?: string | undefined;
  /** 0 means 100; at most 1000. */
  pageSize: number;
  pageToken: string;
}

export interface ProvisioningLogPage {
  entries: ProvisioningEntryRecord[];
  nextPageToken: string;
}

const defaultPageSize = 100;
const maxPageSize = 1000;

interface EntryRow {
  id: string;
  tenant_id: string | null;
  token_id: string | null;
  request_id: string;
  time: Date | string;
  time_us: string;
  method: string;
  path: string;
  resource_type: string | null;
  resource_id: string | null;
  user_name: string | null;
  external_id: string | null;
  outcome: ProvisioningOutcomeName;
  status: number;
  scim_type: string | null;
  detail: string | null;
  ignored_attributes: string[];
  duration_us: string | number;
}

function toRecord(row: EntryRow): ProvisioningEntryRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id ?? "",
    tokenId: row.token_id ?? "",
    requestId: row.request_id,
    time: new Date(row.time),
    method: row.method,
    path: row.path,
    resourceType: row.resource_type ?? "",
    resourceId: row.resource_id ?? "",
    userName: row.user_name ?? "",
    externalId: row.external_id ?? "",
    outcome: row.outcome,
    status: row.status,
    scimType: row.scim_type ?? "",
    detail: row.detail ?? "",
    ignoredAttributes: row.ignored_attributes,
    durationUs: Number(row.duration_us),
  };
}

/**
 * The provisioning log (R20): what every SCIM request did, per tenant, plus a support-only
 * stream for requests without a valid token. Separate from the audit log (R22), which
 * records changes and is never touched here.
 */
export class ProvisioningLog {
  constructor(private readonly orm: MikroORM) {}

  /** RecordProvisioningEntries: the facade's batches, as the SYSTEM actor only. */
  async record(call: CallContext, entries: readonly ProvisioningEntryInput[]): Promise<number> {
    requireRole(call, [Role.SYSTEM]);
    return this.append(entries);
  }

  /**
   * Stores a batch in one statement (storage/provisioning-entry-sql.ts); entries already
   * stored are skipped. Returns how many were new. For identity-core's own writers too (no
   * actor check).
   */
  async append(entries: readonly ProvisioningEntryInput[]): Promise<number> {
    const rows = validateEntries(entries);
    if (rows.length === 0) return 0;
    return insertProvisioningEntries(this.orm, rows);
  }

  /**
   * ListProvisioningEntries: ADMIN of the tenant or SUPPORT; the support-only stream
   * (tenantId "") is SUPPORT's alone. Newest first, keyset-paged.
   */
  async list(call: CallContext, tenantId: string, query: ProvisioningLogQuery): Promise<ProvisioningLogPage> {
    if (tenantId === "") requireRole(call, [Role.SUPPORT]);
    else {
      requireTenantAccess(call, tenantId, [Role.ADMIN, Role.SUPPORT]);
      if (!isUuid(tenantId)) throw invalidArgument("TENANT_ID_INVALID", "tenant_id must be a UUID");
    }
    if (query.pageSize < 0) throw invalidArgument("PAGE_INVALID", "page_size must not be negative");
    const limit = Math.min(query.pageSize === 0 ? defaultPageSize : query.pageSize, maxPageSize);
    const cursor = decodeCursor(query.pageToken);

    const conditions: SqlFragment[] = [
      tenantId === "" ? sql("tenant_id is null") : sql("tenant_id = ?::uuid", tenantId),
    ];
    if (query.from) conditions.push(sql("time >= ?", query.from));
    if (query.until) conditions.push(sql("time < ?", query.until));
    if (query.outcomes.length > 0)
      conditions.push(sql("outcome = any(?::text[])", pgArray([...new Set(query.outcomes)])));
    if (query.resourceId) conditions.push(sql("resource_id = ?", query.resourceId));
    if (query.userName) conditions.push(sql("lower(user_name) = lower(?)", query.userName));
    if (query.externalId) conditions.push(sql("external_id = ?", query.externalId));
    if (cursor) {
      conditions.push(
        sql(
          "(time, id) < (timestamptz 'epoch' + ?::bigint * interval '1 microsecond', ?::uuid)",
          cursor.timeUs,
          cursor.id,
        ),
      );
    }
    const where = joinSql(conditions, " and ");
    const rows = (await this.orm.em.fork().execute(
      `select ${provisioningEntryColumns}, (extract(epoch from time) * 1000000)::bigint::text as time_us
         from identity.provisioning_entry
        where ${where.sql}
        order by time desc, id desc
        limit ?`,
      [...where.params, limit + 1],
    )) as EntryRow[];
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      entries: page.map(toRecord),
      nextPageToken: rows.length > limit && last ? encodeCursor({ timeUs: last.time_us, id: last.id }) : "",
    };
  }
}
