import { describe, expect, it } from "vitest";
import { encodePath, mismatches, readPath, substitute } from "./replay.js";

describe("replay fixture helpers", () => {
  it("substitutes whole placeholders with their type and interpolates inside strings", () => {
    const vars = new Map<string, unknown>([
      ["user.id", "u-1"],
      ["n", 3],
    ]);
    expect(substitute({ a: "{{user.id}}", b: "/Users/{{ user.id }}", c: ["{{n}}"] }, vars)).toEqual({
      a: "u-1",
      b: "/Users/u-1",
      c: [3],
    });
    expect(substitute("{{$absent}}", vars)).toBe("{{$absent}}");
    expect(() => substitute("{{nope}}", vars)).toThrow(/not captured/);
  });

  it("encodes query values written as documentation prints them", () => {
    expect(encodePath('/Users?filter=userName eq "a@b.c"&count=100')).toBe(
      "/Users?filter=userName%20eq%20%22a%40b.c%22&count=100",
    );
    expect(encodePath("/Users/1")).toBe("/Users/1");
  });

  it("reads capture paths", () => {
    expect(readPath({ Resources: [{ id: "x" }] }, "$.Resources[0].id")).toBe("x");
    expect(readPath({ a: 1 }, "$.b.c")).toBeUndefined();
    expect(() => readPath({}, "id")).toThrow();
  });

  it("matches partially, arrays by length and in any order, with absent/present matchers", () => {
    expect(mismatches({ a: 1 }, { a: 1, b: 2 })).toEqual([]);
    expect(mismatches({ a: [{ v: 1 }, { v: 2 }] }, { a: [{ v: 2, x: 0 }, { v: 1 }] })).toEqual([]);
    expect(mismatches({ a: [] }, { a: [1] })).toHaveLength(1);
    expect(mismatches({ m: "{{$absent}}" }, { m: [] })).toHaveLength(1);
    expect(mismatches({ m: "{{$absent}}", id: "{{$present}}" }, { id: "x" })).toEqual([]);
    expect(mismatches({ a: "1" }, { a: 1 })).toHaveLength(1);
  });
});
