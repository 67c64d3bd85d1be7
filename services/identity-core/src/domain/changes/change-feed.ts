import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { isUuid } from "@cosafe/storage";
import type { MikroORM } from "@mikro-orm/postgresql";
import { requireRole } from "../access.js";
import { invalidArgument } from "../domain-error.js";

export interface FeedEvent {
  id: string;
  tenantId: string;
  type: string;
  userId: string | null;
  groupId: string | null;
  createdAt: Date;
  resumeToken: string;
}

interface Cursor {
  xid: string;
  id: string;
}

const encode = (cursor: Cursor) => Buffer.from(`${cursor.xid}:${cursor.id}`).toString("base64url");

function decode(token: string): Cursor | undefined {
  if (!token) return undefined;
  const [xid, id] = Buffer.from(token, "base64url").toString("utf8").split(":");
  if (!xid || !id || !/^\d{1,20}$/.test(xid) || !/^\d{1,20}$/.test(id)) {
    throw invalidArgument("RESUME_TOKEN_INVALID", "resume_token is not one this feed issued");
  }
  return { xid, id };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * R22b: serves the outbox in (transaction id, event id) order, and only events whose
 * transaction — and every transaction that began before it — has finished. A plain id
 * order would let a slow transaction commit an event behind one already delivered; this
 * order never does, so resuming from the last token misses nothing.
 */
export class ChangeFeed {
  constructor(
    private readonly orm: MikroORM,
    private readonly pollIntervalMs = 200,
    private readonly batchSize = 500,
  ) {}

  async *stream(
    call: CallContext,
    tenantId: string,
    resumeToken: string,
    signal: AbortSignal,
  ): AsyncGenerator<FeedEvent> {
    requireRole(call, [Role.SUPPORT, Role.SYSTEM]);
    if (tenantId && !isUuid(tenantId)) throw invalidArgument("TENANT_ID_INVALID", "tenant_id must be a UUID");
    let cursor = decode(resumeToken);
    while (!signal.aborted) {
      const rows = (await this.orm.em.fork().execute(
        `select id::text, xid::text, tenant_id, type, user_id, group_id, created_at from identity.change_event
          where xid < pg_snapshot_xmin(pg_current_snapshot())
            and (?::text is null or (xid, id) > (?::xid8, ?::bigint))
            and (?::text = '' or tenant_id = nullif(?, '')::uuid)
          order by xid, id limit ?`,
        [cursor?.xid ?? null, cursor?.xid ?? "0", cursor?.id ?? "0", tenantId, tenantId, this.batchSize],
      )) as {
        id: string;
        xid: string;
        tenant_id: string;
        type: string;
        user_id: string | null;
        group_id: string | null;
        created_at: Date;
      }[];
      for (const row of rows) {
        cursor = { xid: row.xid, id: row.id };
        yield {
          id: row.id,
          tenantId: row.tenant_id,
          type: row.type,
          userId: row.user_id,
          groupId: row.group_id,
          createdAt: new Date(row.created_at),
          resumeToken: encode(cursor),
        };
      }
      if (rows.length < this.batchSize) await sleep(this.pollIntervalMs, signal);
    }
  }
}
