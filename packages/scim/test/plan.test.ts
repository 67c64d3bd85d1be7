import { describe, expect, it } from "vitest";
import { type GroupPatchPlan, planGroupPatch } from "../src/index.js";
import { expectScimError, type FixtureRow, isErrorRow } from "./fixture-row.js";
import rows from "./fixtures/plan.json" with { type: "json" };

interface Source {
  request: unknown;
  groupId?: string;
}
const table = rows as FixtureRow<Source, GroupPatchPlan>[];
const run = (source: Source) =>
  planGroupPatch(source.request, source.groupId === undefined ? {} : { groupId: source.groupId });

describe("planGroupPatch (R25: membership changes as id sets, without loading the group)", () => {
  it.each(table.filter((row) => !isErrorRow(row)).map((row) => [row.name, row] as const))("%s", (_, row) => {
    const plan = run(row.source);
    const expected = row.expected as GroupPatchPlan;
    expect(plan.members).toEqual(expected.members);
    expect(plan.attributes).toEqual(expected.attributes);
    expect([...plan.touched].sort()).toEqual([...expected.touched].sort());
    expect(plan.ignoredAttributes).toEqual(expected.ignoredAttributes);
  });

  it.each(table.filter(isErrorRow).map((row) => [row.name, row] as const))("%s", (_, row) => {
    expectScimError(() => run(row.source), row.expected.error);
  });

  it("R25: plans a 100,000-member replace without any current state", () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
    const plan = planGroupPatch({
      Operations: [{ op: "replace", path: "members", value: ids.map((value) => ({ value })) }],
    });
    expect(plan.members.replace).toHaveLength(100_000);
    expect(plan.members.removeAll).toBe(false);
  });
});
