import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFixtures, replay } from "./replay/replay.js";
import { type RunningStack, startRunningStack } from "./stack-harness.js";

/**
 * R24: the request sequences identity providers document, replayed against the whole
 * stack — one test per fixture file in test/fixtures/idp/<idp>/ (format: replay/replay.ts).
 * All fixtures share one stack and tenant, so their userNames and group names differ.
 */
const root = join(import.meta.dirname, "../fixtures/idp");
const fixtures = loadFixtures(root);

let s: RunningStack;

beforeAll(async () => {
  s = await startRunningStack();
});

afterAll(() => s?.stop());

describe("IdP replay", () => {
  it("has fixtures for every identity provider the issue names", () => {
    const idps = new Set(fixtures.map((f) => f.file.split(/[\\/]/)[0]));
    expect([...idps].sort()).toEqual(["entra", "jumpcloud", "okta", "pingone"]);
    for (const { file, fixture } of fixtures) {
      expect(fixture.description, `${file} cites its documentation`).toMatch(/\S/);
      expect(fixture.steps.length, file).toBeGreaterThan(0);
    }
  });

  for (const { file, fixture } of fixtures) {
    it(`${file}: ${fixture.name}`, () => replay(fixture, s.http));
  }
});
