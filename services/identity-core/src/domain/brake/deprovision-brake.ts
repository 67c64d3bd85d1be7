import { createHash, randomUUID } from "node:crypto";
import type { Logger } from "@cosafe/logging";
import { Role } from "@cosafe/proto/identity";
import type { CallContext } from "@cosafe/rpc";
import { isUuid } from "@cosafe/storage";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { requireRole } from "../access.js";
import { recordAudit } from "../audit/record-audit.js";
import { invalidArgument } from "../domain-error.js";
import type { ProvisioningLog } from "../provisioning-log/provisioning-log.js";
import { findTenant } from "../tenant/find-tenant.js";
import {
  type BrakeSettings,
  brakeCounts,
  brakeLimit,
  brakeState,
  type DeprovisionHeld,
  type DeprovisionKind,
} from "./brake-check.js";

export interface HeldDeprovisionRecord {
  id: string;
  tenantId: string;
  kind: DeprovisionKind;
  userIds: string[];
  firstSeen: Date;
  lastSeen: Date;
  count: number;
}

export interface BrakeView {
  settings: BrakeSettings;
  /** Provisioned users the brake counts (all but the IdP's young users). */
  established: number;
  recent: number;
  limit: number;
  held: number;
  releasedUntil: Date | null;
}

const support = [Role.SUPPORT] as const;
const maxWindowSeconds = 7 * 86400;
const maxYoungSeconds = 30 * 86400;

const settingsOf = (s: BrakeSettings): BrakeSettings => ({
  percent: s.percent,
  minimum: s.minimum,
  windowSeconds: s.windowSeconds,
  youngUserSeconds: s.youngUserSeconds,
});
const defaultPageSize = 100;
const maxPageSize = 1000;

interface HeldRow {
  id: string;
  tenant_id: string;
  kind: DeprovisionKind;
  user_ids: string[] | string;
  first_seen: Date | string;
  last_seen: Date | string;
  count: number;
}

/** node-postgres returns uuid[] as an array, or as "{a,b}" text when it does not know the type. */
function uuidList(value: string[] | string): string[] {
  if (Array.isArray(value)) return value;
  return value
    .replace(/^\{|\}$/g, "")
    .split(",")
    .filter(Boolean);
}

function toRecord(row: HeldRow): HeldDeprovisionRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    kind: row.kind,
    userIds: uuidList(row.user_ids),
    firstSeen: new Date(row.first_seen),
    lastSeen: new Date(row.last_seen),
    count: row.count,
  };
}

/**
 * The mass-deprovision brake's held requests and support's controls (docs/adr/0012). The
 * decision itself is brake-check.ts, inside the deprovisioning's transaction.
 */
export class DeprovisionBrake {
  constructor(
    private readonly orm: MikroORM,
    private readonly logger: Logger,
    private readonly provisioningLog: ProvisioningLog,
  ) {}

  /**
   * Records a refused request after its transaction rolled back, so the record persists: one
   * HELD row per tenant, kind and set of users, whose retries bump last_seen and count. The
   * first hold of a request alerts support: a provisioning-log entry and an error-level log
   * line. Never throws: the IdP's answer (503) does not depend on it.
   */
  async recordHeld(held: DeprovisionHeld): Promise<void> {
    try {
      const key = createHash("md5")
        .update(`${held.heldKind}:${held.userIds.join(",")}`)
        .digest("hex");
      const [row] = (await this.orm.em.fork().execute(
        `insert into identity.held_deprovision (tenant_id, kind, user_ids, request_key)
         values (?, ?, ?::uuid[], ?)
         on conflict (tenant_id, request_key) where status = 'HELD'
           do update set last_seen = now(), count = identity.held_deprovision.count + 1
         returning id, count`,
        [held.tenantId, held.heldKind, `{${held.userIds.join(",")}}`, key],
      )) as { id: string; count: number }[];
      if (!row || row.count > 1) return;
      const shown = held.userIds.slice(0, 5).join(", ") + (held.userIds.length > 5 ? ", …" : "");
      const detail =
        `mass-deprovision brake engaged: ${held.recent} IdP deprovisionings of established users in the last ` +
        `${Math.round(held.windowSeconds / 60)} min (limit ${held.limit}); held ${held.heldKind} of ` +
        `${held.userIds.length} user(s) (${shown}); support: pnpm cosafe brake list|release|discard ${held.tenantId}`;
      this.logger.error(
        {
          tenantId: held.tenantId,
          heldId: row.id,
          kind: held.heldKind,
          userCount: held.userIds.length,
          recent: held.recent,
          limit: held.limit,
          requestId: held.requestId,
        },
        "mass-deprovision brake engaged: IdP deprovisioning held",
      );
      await this.provisioningLog.append([
        {
          id: randomUUID(),
          tenantId: held.tenantId,
          tokenId: "",
          requestId: held.requestId || `brake-${row.id}`,
          time: new Date(),
          method: "BRAKE",
          path: `deprovision-brake/held/${row.id}`,
          resourceType: held.userIds.length === 1 ? "User" : "",
          resourceId: held.userIds.length === 1 ? (held.userIds[0] ?? "") : "",
          userName: "",
          externalId: "",
          outcome: "SERVER_ERROR",
          status: 503,
          scimType: "",
          detail,
          ignoredAttributes: [],
          durationUs: 0,
        },
      ]);
    } catch (error) {
      this.logger.error({ err: error, tenantId: held.tenantId }, "could not record a held deprovisioning");
    }
  }

  async get(call: CallContext, tenantId: string): Promise<BrakeView> {
    requireRole(call, support);
    const em = this.orm.em.fork();
    await findTenant(em, tenantId);
    const state = await brakeState(em, tenantId);
    const { recent, provisioned } = await brakeCounts(em, tenantId, state);
    const [held] = (await em.execute(
      "select count(*)::int as n from identity.held_deprovision where tenant_id = ? and status = 'HELD'",
      [tenantId],
    )) as { n: number }[];
    return {
      settings: settingsOf(state),
      established: provisioned,
      recent,
      limit: brakeLimit(state, provisioned + recent),
      held: held?.n ?? 0,
      releasedUntil: state.released ? state.releasedUntil : null,
    };
  }

  /**
   * Support tunes the threshold; zero fields keep their value. The row is locked (or created)
   * first, so two parallel changes apply one after the other and each audit event's `before`
   * is what it changed. Audited in the same transaction.
   */
  async update(call: CallContext, tenantId: string, patch: Partial<BrakeSettings>): Promise<BrakeSettings> {
    requireRole(call, support);
    const { percent = 0, minimum = 0, windowSeconds = 0, youngUserSeconds = 0 } = patch;
    const invalid = (message: string) => invalidArgument("BRAKE_SETTING_INVALID", message);
    if (percent < 0 || percent > 100) throw invalid("percent must be 1…100");
    if (minimum < 0) throw invalid("minimum must not be negative");
    if (windowSeconds < 0 || (windowSeconds > 0 && windowSeconds < 60) || windowSeconds > maxWindowSeconds)
      throw invalid("the window must be 60 seconds…7 days");
    if (
      youngUserSeconds < 0 ||
      (youngUserSeconds > 0 && youngUserSeconds < 60) ||
      youngUserSeconds > maxYoungSeconds
    )
      throw invalid("the young-user age must be 60 seconds…30 days");
    return this.orm.em.fork().transactional(async (em) => {
      await findTenant(em, tenantId);
      await em.execute(
        "insert into identity.deprovision_brake (tenant_id) values (?) on conflict (tenant_id) do nothing",
        [tenantId],
      );
      await em.execute("select 1 from identity.deprovision_brake where tenant_id = ? for update", [tenantId]);
      const before = settingsOf(await brakeState(em, tenantId));
      const after: BrakeSettings = {
        percent: percent || before.percent,
        minimum: minimum || before.minimum,
        windowSeconds: windowSeconds || before.windowSeconds,
        youngUserSeconds: youngUserSeconds || before.youngUserSeconds,
      };
      await em.execute(
        `update identity.deprovision_brake
            set percent = ?, minimum = ?, window_seconds = ?, young_user_seconds = ?, updated_at = now()
          where tenant_id = ?`,
        [after.percent, after.minimum, after.windowSeconds, after.youngUserSeconds, tenantId],
      );
      recordAudit(em, call, {
        tenantId,
        action: "deprovision_brake.updated",
        targetType: "tenant",
        targetId: tenantId,
        before: { ...before },
        after: { ...after },
      });
      return after;
    });
  }

  /** HELD requests, oldest first, keyset-paged by (first_seen, id). */
  async listHeld(
    call: CallContext,
    tenantId: string,
    pageSize: number,
    pageToken: string,
  ): Promise<{ held: HeldDeprovisionRecord[]; nextPageToken: string }> {
    requireRole(call, support);
    const em = this.orm.em.fork();
    await findTenant(em, tenantId);
    if (pageSize < 0) throw invalidArgument("PAGE_INVALID", "page_size must not be negative");
    const limit = Math.min(pageSize === 0 ? defaultPageSize : pageSize, maxPageSize);
    let after: { time: string; id: string } | undefined;
    if (pageToken) {
      try {
        after = JSON.parse(Buffer.from(pageToken, "base64url").toString("utf8"));
      } catch {
        after = undefined;
      }
      if (!after || typeof after.time !== "string" || !isUuid(after.id))
        throw invalidArgument("PAGE_TOKEN_INVALID", "page_token is not valid");
    }
    const rows = (await em.execute(
      `select id, tenant_id, kind, user_ids::text[] as user_ids, first_seen, last_seen, count,
              to_char(first_seen at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as first_seen_text
         from identity.held_deprovision
        where tenant_id = ? and status = 'HELD'
          ${after ? "and (first_seen, id) > (?::timestamptz, ?::uuid)" : ""}
        order by first_seen, id limit ?`,
      after ? [tenantId, after.time, after.id, limit + 1] : [tenantId, limit + 1],
    )) as (HeldRow & { first_seen_text: string })[];
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextPageToken =
      rows.length > limit && last
        ? Buffer.from(JSON.stringify({ time: last.first_seen_text, id: last.id })).toString("base64url")
        : "";
    return { held: page.map(toRecord), nextPageToken };
  }

  /**
   * Releases every HELD request: its users pass the brake when the IdP retries (for
   * releasedUserDays), and the whole tenant's brake is lifted until `releasedUntil`. Audited.
   */
  async release(
    call: CallContext,
    tenantId: string,
    releaseForSeconds: number,
  ): Promise<{ released: number; users: number; releasedUntil: Date }> {
    requireRole(call, support);
    if (releaseForSeconds < 0 || releaseForSeconds > 604800)
      throw invalidArgument("BRAKE_SETTING_INVALID", "release_for must be 0…7 days");
    return this.orm.em.fork().transactional(async (em) => {
      await findTenant(em, tenantId);
      const state = await brakeState(em, tenantId);
      const seconds = releaseForSeconds || state.windowSeconds;
      const decided = await this.decide(em, call, tenantId, "RELEASED");
      const [row] = (await em.execute(
        `insert into identity.deprovision_brake (tenant_id, percent, minimum, window_seconds, released_until)
         values (?, ?, ?, ?, now() + make_interval(secs => ?))
         on conflict (tenant_id) do update set released_until = excluded.released_until, updated_at = now()
         returning released_until`,
        [tenantId, state.percent, state.minimum, state.windowSeconds, seconds],
      )) as { released_until: Date }[];
      const releasedUntil = new Date(row?.released_until ?? Date.now());
      recordAudit(em, call, {
        tenantId,
        action: "deprovision_brake.released",
        targetType: "tenant",
        targetId: tenantId,
        after: { heldIds: decided.ids, userCount: decided.users, releasedUntil: releasedUntil.toISOString() },
      });
      return { released: decided.ids.length, users: decided.users, releasedUntil };
    });
  }

  /** Discards every HELD request; the brake stays as it is (docs/adr/0012). Audited. */
  async discard(call: CallContext, tenantId: string): Promise<{ discarded: number; users: number }> {
    requireRole(call, support);
    return this.orm.em.fork().transactional(async (em) => {
      await findTenant(em, tenantId);
      const decided = await this.decide(em, call, tenantId, "DISCARDED");
      recordAudit(em, call, {
        tenantId,
        action: "deprovision_brake.discarded",
        targetType: "tenant",
        targetId: tenantId,
        after: { heldIds: decided.ids, userCount: decided.users },
      });
      return { discarded: decided.ids.length, users: decided.users };
    });
  }

  private async decide(
    em: EntityManager,
    call: CallContext,
    tenantId: string,
    status: "RELEASED" | "DISCARDED",
  ): Promise<{ ids: string[]; users: number }> {
    const rows = (await em.execute(
      `update identity.held_deprovision set status = ?, decided_at = now(), decided_by = ?
        where tenant_id = ? and status = 'HELD' returning id, user_ids::text[] as user_ids`,
      [status, call.actor.id, tenantId],
    )) as { id: string; user_ids: string[] | string }[];
    const users = new Set(rows.flatMap((r) => uuidList(r.user_ids)));
    return { ids: rows.map((r) => r.id), users: users.size };
  }
}
