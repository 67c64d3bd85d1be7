import { createHash } from "node:crypto";
import type { Logger } from "@cosafe/logging";
import type { MikroORM } from "@mikro-orm/postgresql";
import type { ProvisioningLog } from "../provisioning-log/provisioning-log.js";

export interface TokenExpiryReportOptions {
  /** How far ahead an expiry is reported (issue 7: 14 days). */
  withinDays?: number;
  /** Time between checks; each token is reported at most once per UTC day whatever this is. */
  intervalMs?: number;
  /** Clock; tests call `runOnce(now)` instead. */
  now?: () => Date;
}

export interface TokenExpiryReportResult {
  /** false when another replica held the lock, so this one did nothing. */
  ran: boolean;
  /** Tokens reported by this run. */
  reported: number;
}

/** The PostgreSQL advisory lock key that makes one replica at a time report (64-bit, as text). */
export const tokenExpiryReportLockKey = BigInt.asIntN(
  64,
  BigInt(`0x${createHash("sha256").update("identity:scim-token-expiry-report").digest("hex").slice(0, 16)}`),
).toString();

const dayMs = 86_400_000;

/** A deterministic UUID (v4 layout) from text, so a retried run stores no entry twice. */
function entryId(text: string): string {
  const h = createHash("sha256").update(text).digest("hex");
  const variant = ((Number.parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface ExpiringToken {
  id: string;
  tenant_id: string;
  name: string;
  hint: string;
  expires_at: Date | string;
}

/**
 * Token hygiene (issue 7, R21): a SCIM token that expires within 14 days is reported in its
 * tenant's provisioning log (R20), at most once per UTC day per token, so the customer's
 * administrator renews it before the identity provider is refused (401) and quarantines the
 * app. Runs every `intervalMs` on one replica at a time (transaction-level advisory lock);
 * `scim_token.expiry_reported_at` remembers the last report. Tests call `runOnce(now)`.
 */
export class TokenExpiryReport {
  readonly withinDays: number;
  readonly intervalMs: number;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly log: ProvisioningLog,
    private readonly logger: Logger,
    options: TokenExpiryReportOptions = {},
  ) {
    this.withinDays = options.withinDays ?? 14;
    this.intervalMs = options.intervalMs ?? 3_600_000;
    this.now = options.now ?? (() => new Date());
  }

  /** Reports every token expiring within `withinDays` of `now` not yet reported on now's UTC day. */
  async runOnce(now: Date = this.now()): Promise<TokenExpiryReportResult> {
    const dayStart = new Date(Math.floor(now.getTime() / dayMs) * dayMs);
    const horizon = new Date(now.getTime() + this.withinDays * dayMs);
    return this.orm.em.fork().transactional(async (em) => {
      const [lock] = (await em.execute("select pg_try_advisory_xact_lock(?::bigint) as locked", [
        tokenExpiryReportLockKey,
      ])) as { locked: boolean }[];
      if (lock?.locked !== true) return { ran: false, reported: 0 };
      const tokens = (await em.execute(
        `select id, tenant_id, name, hint, expires_at from identity.scim_token
          where revoked_at is null and oauth_client_id is null and expires_at > ? and expires_at <= ?
            and (expiry_reported_at is null or expiry_reported_at < ?)
          order by expires_at, id limit 500 for update skip locked`,
        [now, horizon, dayStart],
      )) as ExpiringToken[];
      if (tokens.length === 0) return { ran: true, reported: 0 };
      const day = dayStart.toISOString().slice(0, 10);
      // Entry ids derive from token and day: a run that fails after the append and retries
      // stores nothing twice (append ignores known ids).
      await this.log.append(
        tokens.map((t) => {
          const expiresAt = new Date(t.expires_at);
          const days = Math.max(0, Math.ceil((expiresAt.getTime() - now.getTime()) / dayMs));
          return {
            id: entryId(`token-expiry:${t.id}:${day}`),
            tenantId: t.tenant_id,
            tokenId: t.id,
            requestId: `token-expiry-${day}`,
            time: now,
            method: "NOTICE",
            path: "/token-expiry",
            resourceType: "",
            resourceId: "",
            userName: "",
            externalId: "",
            outcome: "SUCCESS" as const,
            status: 200,
            scimType: "",
            detail: `SCIM token "${t.name}" (${t.hint}) expires on ${expiresAt.toISOString()}, in ${days} day(s): ask Cosafe support for a new token and put it into the identity provider before then, or provisioning will be refused (401)`,
            ignoredAttributes: [],
            durationUs: 0,
          };
        }),
      );
      await em.execute("update identity.scim_token set expiry_reported_at = ? where id = any(?::uuid[])", [
        now,
        `{${tokens.map((t) => t.id).join(",")}}`,
      ]);
      this.logger.info({ tokens: tokens.map((t) => t.id) }, "reported SCIM tokens that expire soon");
      return { ran: true, reported: tokens.length };
    });
  }

  /** Checks soon after start (at most a minute) and then every `intervalMs`; never keeps the process alive. */
  start(): void {
    this.stopped = false;
    this.schedule(Math.min(this.intervalMs, 60_000));
  }

  /** Stops the schedule and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .catch((error: unknown) => this.logger.error({ err: error }, "SCIM token expiry report failed"))
        .finally(() => {
          this.running = undefined;
          this.schedule(this.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
