import { describe, expect, it } from "vitest";
import { type Filter, parseFilter, printFilter } from "../src/index.js";
import { expectScimError, type FixtureRow, isErrorRow, label } from "./fixture-row.js";
import rows from "./fixtures/filters.json" with { type: "json" };

const table = rows as FixtureRow<string, Filter>[];
const valid = table.filter((row) => !isErrorRow(row));
const invalid = table.filter(isErrorRow);

describe("parseFilter (R23: RFC 7644 §3.4.2.2 filters; R24: what IdPs send)", () => {
  it.each(valid.map((row) => [label(row), row] as const))("parses %s", (_, row) => {
    expect(parseFilter(row.source)).toEqual(row.expected);
  });

  it.each(invalid.map((row) => [label(row), row] as const))(
    "rejects %s with 400 invalidFilter at its position",
    (_, row) => {
      expectScimError(() => parseFilter(row.source), row.expected.error);
    },
  );
});

describe("printFilter", () => {
  it.each(valid.map((row) => [label(row), row] as const))("round-trips %s", (_, row) => {
    const ast = parseFilter(row.source);
    expect(parseFilter(printFilter(ast))).toEqual(ast);
  });

  it("prints canonical lower-case operators, single spaces and minimal parentheses", () => {
    const ast = parseFilter('USERNAME  EQ "x" AND (A PR OR not(B pr))');
    expect(printFilter(ast)).toBe('USERNAME eq "x" and (A pr or not (B pr))');
  });

  it("prints a right-nested conjunction with parentheses so that it re-parses identically", () => {
    expect(printFilter(parseFilter("a pr and (b pr and c pr)"))).toBe("a pr and (b pr and c pr)");
  });

  it("prints strings as JSON", () => {
    expect(printFilter(parseFilter('a eq "q\\"\\\\\\u00e9"'))).toBe('a eq "q\\"\\\\é"');
  });
});
