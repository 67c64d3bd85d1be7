import { describe, expect, it } from "vitest";
import { LightHeaders } from "../src/light-headers.js";

/** Runs the same operations on Fetch's Headers and ours; both must read the same after each. */
function both(ops: (h: Headers) => void): [Headers, Headers] {
  const fetchHeaders = new Headers();
  const light = new LightHeaders();
  ops(fetchHeaders);
  ops(light);
  return [fetchHeaders, light];
}

const snapshot = (h: Headers) => {
  const seen: [string, string][] = [];
  h.forEach((value, name) => {
    seen.push([name, value]);
  });
  return { entries: [...h.entries()], seen, keys: [...h.keys()], values: [...h.values()], spread: [...h] };
};

describe("LightHeaders (the lean server's call headers)", () => {
  it("reads like Fetch's Headers: case-insensitive names, appended values, name order", () => {
    const [fetchHeaders, light] = both((h) => {
      h.set("X-Request-Id", "r1");
      h.append("x-cosafe-actor-role", "scim");
      h.append("X-COSAFE-ACTOR-ROLE", "admin");
      h.set("authorization", "Bearer a");
      h.set("Authorization", "Bearer b");
      h.append("b-first", "1");
      h.delete("missing");
    });
    expect(snapshot(light)).toEqual(snapshot(fetchHeaders));
    for (const name of ["x-request-id", "X-Cosafe-Actor-Role", "AUTHORIZATION", "missing"]) {
      expect(light.get(name)).toBe(fetchHeaders.get(name));
      expect(light.has(name)).toBe(fetchHeaders.has(name));
    }
    light.delete("X-REQUEST-ID");
    fetchHeaders.delete("x-request-id");
    expect(snapshot(light)).toEqual(snapshot(fetchHeaders));
  });

  it("is empty when new, and forEach passes thisArg and itself", () => {
    const light = new LightHeaders();
    expect([...light]).toEqual([]);
    light.set("a", "1");
    const calls: unknown[] = [];
    const that = { tag: "this" };
    light.forEach(function (this: unknown, value, name, parent) {
      calls.push([this, value, name, parent]);
    }, that);
    expect(calls).toEqual([[that, "1", "a", light]]);
    expect(light.getSetCookie()).toEqual([]);
  });
});
