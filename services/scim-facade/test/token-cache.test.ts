import { describe, expect, it } from "vitest";
import { TokenCache } from "../src/auth/token-cache.js";

describe("TokenCache", () => {
  it("R21: a verified token is trusted for the TTL only, measured on the injected clock", () => {
    let now = 1_000;
    const cache = new TokenCache(5_000, () => now);
    cache.set("k", { tenantId: "t", tokenId: "tok" });
    now += 4_999;
    expect(cache.get("k")).toMatchObject({ tenantId: "t", tokenId: "tok" });
    now += 1;
    expect(cache.get("k")).toBeUndefined();
  });

  it("never outlives the token's own expiry", () => {
    let now = 0;
    const cache = new TokenCache(5_000, () => now);
    cache.set("k", { tenantId: "t", tokenId: "tok", tokenExpiresAt: 2_000 });
    now = 2_000;
    expect(cache.get("k")).toBeUndefined();
  });

  it("a TTL of 0 disables caching", () => {
    const cache = new TokenCache(0, () => 0);
    cache.set("k", { tenantId: "t", tokenId: "tok" });
    expect(cache.get("k")).toBeUndefined();
  });
});
