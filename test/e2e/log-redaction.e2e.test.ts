import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName, userBody } from "./scim-http.js";
import { type RunningStack, startRunningStack } from "./stack-harness.js";

/**
 * Issue 14: no personal data or SQL parameters in the logs at info (the production level),
 * and probes only at debug. The whole stack runs as processes; their stdout and stderr are
 * captured line by line.
 */
const lines: { service: string; line: string }[] = [];
let s: RunningStack;

beforeAll(async () => {
  s = await startRunningStack({ logLevel: "info", onLog: (service, line) => lines.push({ service, line }) });
});

afterAll(() => s?.stop());

const logOf = (service: string) =>
  lines
    .filter((l) => l.service === service)
    .map((l) => l.line)
    .join("\n");

describe("logs without personal data (issue 14)", () => {
  it("a duplicate create (409 uniqueness) is logged by reason and ids: no userName, names, phone number, SQL or stack", async () => {
    const userName = uniqueName("leak-check");
    const phone = "+41791234567";
    const body = userBody(userName, {
      name: { givenName: "Zebulon", familyName: "Quaxworth" },
      phoneNumbers: [{ value: phone, type: "mobile" }],
      emails: [{ value: userName, type: "work", primary: true }],
    });
    expect((await s.http.post("/Users", body)).status).toBe(201);
    const duplicate = await s.http.post("/Users", body);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toMatchObject({ scimType: "uniqueness" });

    // identity-core logs the refusal (that is how we know its output was captured) by reason.
    await expect
      .poll(() => logOf("identity-core"), { timeout: 10_000 })
      .toMatch(/"reason":"USER_NAME_TAKEN"/);
    const refusal = JSON.parse(
      lines.find((l) => l.service === "identity-core" && l.line.includes("USER_NAME_TAKEN"))?.line ?? "{}",
    );
    expect(refusal).toMatchObject({
      level: 40,
      code: "AlreadyExists",
      rpc: "cosafe.identity.v1.UserService/CreateUser",
    });
    expect(refusal).not.toHaveProperty("err");

    const everything = lines.map((l) => l.line).join("\n");
    expect(everything).toContain("scim request");
    for (const secret of [userName, phone, "41791234567", "Zebulon", "Quaxworth"]) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).not.toMatch(/insert into|"stack"/i);
  });

  it("health probes are not logged at info", async () => {
    for (let i = 0; i < 3; i++)
      expect((await fetch(`${s.scim.replace(/\/scim\/v2$/, "")}/readyz`)).status).toBe(200);
    await s.http.get("/Users?count=0");
    await expect.poll(() => logOf("scim-facade"), { timeout: 10_000 }).toMatch(/"path":"\/scim\/v2\/Users"/);
    expect(logOf("scim-facade")).not.toMatch(/"path":"\/(readyz|healthz)"/);
    expect(logOf("identity-core")).not.toMatch(/grpc\.health\.v1/);
  });
});
