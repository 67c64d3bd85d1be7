/** A verified token: its tenant and id, trusted until `expiresAt` (clock milliseconds). */
export interface CachedToken {
  tenantId: string;
  tokenId: string;
  expiresAt: number;
  /** The tenant's provisioning is paused by support (issue 7); as fresh as the entry. */
  scimPaused?: boolean;
}

/**
 * Remembers verified SCIM tokens for a short time-to-live (at most 5 s, R21), keyed by
 * the token's hash so secrets are never held as map keys. A revoked token is refused
 * once its entry expires; the clock is injectable so tests need not sleep.
 */
export class TokenCache {
  private readonly entries = new Map<string, CachedToken>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string): CachedToken | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Caches a token until the TTL passes or the token itself expires, whichever is first. */
  set(
    key: string,
    token: { tenantId: string; tokenId: string; tokenExpiresAt?: number | undefined; scimPaused?: boolean },
  ): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const expiresAt = Math.min(this.now() + this.ttlMs, token.tokenExpiresAt ?? Number.POSITIVE_INFINITY);
    this.entries.set(key, {
      tenantId: token.tenantId,
      tokenId: token.tokenId,
      expiresAt,
      scimPaused: token.scimPaused ?? false,
    });
  }
}
