import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { patchOp, uniqueName, userBody } from "./scim-http.js";
import { type RunningStack, startRunningStack } from "./stack-harness.js";

/**
 * Issue 10, concurrent PATCH of one user: writers to one user queue on its row lock in
 * identity-core; a PATCH or PUT without If-Match never answers 412, and none loses another's
 * change. If-Match keeps its meaning.
 */
let s: RunningStack;

beforeAll(async () => {
  s = await startRunningStack();
});

afterAll(async () => {
  await s?.stop();
});

describe("issue 10: concurrent writes to one user", () => {
  it("R23: 16 parallel PATCHes of 16 different attributes and items of one user all answer 200 and the user holds all 16 changes", async () => {
    const created = await s.http.create(
      "Users",
      userBody(uniqueName("parallel"), {
        name: { givenName: "Ada", familyName: "Lovelace", formatted: "Ada Lovelace" },
      }),
    );
    const phones = Array.from({ length: 5 }, (_, i) => `+4930123456${i}`);
    const emails = Array.from({ length: 5 }, (_, i) => `mail${i}@parallel.example`);
    const operations = [
      { op: "replace", path: "title", value: "Chief Responder" },
      { op: "replace", path: "displayName", value: "Ada L." },
      { op: "replace", path: "externalId", value: "ext-parallel" },
      { op: "replace", path: "name.givenName", value: "Augusta" },
      { op: "replace", path: "name.familyName", value: "King" },
      { op: "replace", path: "name.formatted", value: "Augusta Ada King" },
      ...phones.map((value) => ({ op: "add", path: "phoneNumbers", value: [{ value, type: "work" }] })),
      ...emails.map((value) => ({ op: "add", path: "emails", value: [{ value, type: "work" }] })),
    ];
    expect(operations).toHaveLength(16);
    const answers = await Promise.all(
      operations.map((operation) => s.http.patch(`/Users/${created.id}`, patchOp(operation))),
    );
    expect(answers.map((a) => a.status)).toEqual(operations.map(() => 200));

    const user = await s.http.read("Users", created.id);
    expect(user).toMatchObject({
      title: "Chief Responder",
      displayName: "Ada L.",
      externalId: "ext-parallel",
      name: { givenName: "Augusta", familyName: "King", formatted: "Augusta Ada King" },
    });
    const stored = (list: unknown) => ((list ?? []) as { value: string }[]).map((item) => item.value).sort();
    expect(stored(user.phoneNumbers)).toEqual([...phones].sort());
    expect(stored(user.emails)).toEqual([...emails].sort());
    // Each PATCH was one change: 16 versions after the create's.
    expect(
      Number(String((user.meta as { version: string }).version).replace(/\D/g, "")),
    ).toBeGreaterThanOrEqual(
      Number(String((created.meta as { version: string }).version).replace(/\D/g, "")) + 16,
    );
  });

  it("R23: parallel PUTs without If-Match of one user all answer 200", async () => {
    const created = await s.http.create("Users", userBody(uniqueName("puts")));
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        s.http.put(`/Users/${created.id}`, userBody(String(created.userName), { title: `Title ${i}` })),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    const titles = answers.map((a) => a.body.title);
    expect(titles).toContain((await s.http.read("Users", created.id)).title);
  });

  it("R23: If-Match keeps its meaning: a stale version answers 412 and changes nothing, the current one applies", async () => {
    const created = await s.http.create("Users", userBody(uniqueName("etag")));
    const stale = String((created.meta as { version: string }).version);
    const moved = await s.http.patch(
      `/Users/${created.id}`,
      patchOp({ op: "replace", path: "title", value: "One" }),
    );
    expect(moved.status).toBe(200);
    const refused = await s.http.patch(
      `/Users/${created.id}`,
      patchOp({ op: "replace", path: "title", value: "Two" }),
      { headers: { "if-match": stale } },
    );
    expect(refused.status).toBe(412);
    const put = await s.http.put(
      `/Users/${created.id}`,
      userBody(String(created.userName), { title: "Three" }),
      {
        headers: { "if-match": stale },
      },
    );
    expect(put.status).toBe(412);
    expect((await s.http.read("Users", created.id)).title).toBe("One");
    const fresh = await s.http.patch(
      `/Users/${created.id}`,
      patchOp({ op: "replace", path: "title", value: "Two" }),
      { headers: { "if-match": String(moved.headers.get("etag")) } },
    );
    expect(fresh.status).toBe(200);
    expect(fresh.body.title).toBe("Two");
  });
});
