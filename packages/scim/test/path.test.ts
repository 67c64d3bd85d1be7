import { describe, expect, it } from "vitest";
import { parseAttributeList, parsePath, parseSortBy, printPath } from "../src/index.js";
import { expectScimError, type FixtureRow, isErrorRow } from "./fixture-row.js";
import rows from "./fixtures/paths.json" with { type: "json" };

type Source = string | { mode: "attributes" | "sortBy"; text: string };
const table = rows as FixtureRow<Source, unknown>[];

function run(source: Source): unknown {
  if (typeof source === "string") return parsePath(source);
  return source.mode === "attributes" ? parseAttributeList(source.text) : parseSortBy(source.text);
}

const name = (row: FixtureRow<Source, unknown>) => row.name ?? JSON.stringify(row.source);

describe("parsePath, parseAttributeList, parseSortBy (R23: PATCH paths, attributes, sortBy)", () => {
  it.each(table.filter((row) => !isErrorRow(row)).map((row) => [name(row), row] as const))(
    "parses %s",
    (_, row) => {
      expect(run(row.source)).toEqual(row.expected);
    },
  );

  it.each(table.filter(isErrorRow).map((row) => [name(row), row] as const))(
    "rejects %s with 400 invalidPath",
    (_, row) => {
      expectScimError(() => run(row.source), row.expected.error);
    },
  );

  it.each(
    table
      .filter((row) => !isErrorRow(row) && typeof row.source === "string")
      .map((row) => [name(row), row] as const),
  )("printPath round-trips %s", (_, row) => {
    const path = parsePath(row.source as string);
    expect(parsePath(printPath(path))).toEqual(path);
  });

  it("accepts the SearchRequest array form of attributes", () => {
    expect(parseAttributeList(["userName", "name.givenName,title"])).toEqual([
      { attribute: "userName" },
      { attribute: "name", subAttribute: "givenName" },
      { attribute: "title" },
    ]);
  });
});
