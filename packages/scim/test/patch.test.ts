import { describe, expect, it } from "vitest";
import {
  applyPatch,
  GROUP_RESOURCE_TYPE,
  type ResourceTypeDefinition,
  USER_RESOURCE_TYPE,
} from "../src/index.js";
import { expectScimError, type FixtureRow, isErrorRow } from "./fixture-row.js";
import fixtures from "./fixtures/patch.json" with { type: "json" };

interface Source {
  type: "User" | "Group";
  resource: string;
  request: unknown;
}
interface Expected {
  resource: Record<string, unknown>;
  touched?: string[];
  ignoredAttributes?: string[];
}

const resources = fixtures.resources as Record<string, Record<string, unknown>>;
const table = fixtures.rows as FixtureRow<Source, Expected>[];
const types: Record<Source["type"], ResourceTypeDefinition> = {
  User: USER_RESOURCE_TYPE,
  Group: GROUP_RESOURCE_TYPE,
};
const deepFreeze = <T>(value: T): T => {
  if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
};
const run = (source: Source) =>
  applyPatch(
    deepFreeze(structuredClone(resources[source.resource] ?? {})),
    source.request,
    types[source.type],
  );

describe("applyPatch (R23: RFC 7644 §3.5.2 PATCH; R24: Entra and Okta dialects)", () => {
  it.each(table.filter((row) => !isErrorRow(row)).map((row) => [row.name, row] as const))("%s", (_, row) => {
    const result = run(row.source);
    const expected = row.expected as Expected;
    expect(result.resource).toEqual(expected.resource);
    if (expected.touched !== undefined)
      expect([...result.touched].sort()).toEqual([...expected.touched].sort());
    if (expected.ignoredAttributes !== undefined)
      expect(result.ignoredAttributes).toEqual(expected.ignoredAttributes);
  });

  it.each(table.filter(isErrorRow).map((row) => [row.name, row] as const))("%s", (_, row) => {
    expectScimError(() => run(row.source), row.expected.error);
  });
});
