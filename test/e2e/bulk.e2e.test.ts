import { randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { ImportService, type ProvisioningEntry, ProvisioningLogService } from "@cosafe/proto/identity";
import { createServiceTransport } from "@cosafe/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  groupSchema,
  type Json,
  patchOp,
  type ScimHttp,
  uniqueName,
  userBody,
  userSchema,
} from "./scim-http.js";
import { type RunningStack, startRunningStack, support } from "./stack-harness.js";

/**
 * /Bulk (RFC 7644 §3.7) over the whole stack: each operation runs the single request's code and
 * identity-core RPCs; what it stored is read back over SCIM.
 */
let s: RunningStack;
let scim: ScimHttp;

beforeAll(async () => {
  s = await startRunningStack();
  scim = s.http;
});

afterAll(() => s?.stop());

/** The facade sends provisioning-log entries in batches about once a second: poll for them. */
async function entriesOf(userName: string, done: (entries: ProvisioningEntry[]) => boolean) {
  const log = createClient(
    ProvisioningLogService,
    createServiceTransport({ baseUrl: s.stack.identityCoreUrl, credential: s.stack.credential }),
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { entries } = await log.listProvisioningEntries(
      { tenantId: s.tenantId, pageSize: 100, userName },
      support,
    );
    if (done(entries) || Date.now() > deadline) return entries;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const bulkRequest = (operations: Json[], extra: Json = {}) => ({
  schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
  ...extra,
  Operations: operations,
});
const bulkResponse = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
const errorSchema = "urn:ietf:params:scim:api:messages:2.0:Error";

const byBulkId = (body: { Operations: Json[] }) =>
  Object.fromEntries(body.Operations.map((op) => [op.bulkId ?? `${op.method}`, op])) as Record<
    string,
    Json & { status: string; location?: string; response?: Json }
  >;

const count = async (resource: "Users" | "Groups", filter: string) =>
  (await scim.filter(resource, filter)).body.totalResults as number;

describe("POST /Bulk (RFC 7644 §3.7)", () => {
  it("resolves a forward bulkId reference, fails only the failing operation, and stores what succeeded", async () => {
    const userName = uniqueName("bulk-forward");
    const groupName = uniqueName("Bulk group");
    const res = await scim.post(
      "/Bulk",
      bulkRequest([
        // The group's member is the user a later operation creates.
        {
          method: "POST",
          path: "/Groups",
          bulkId: "group",
          data: { schemas: [groupSchema], displayName: groupName, members: [{ value: "bulkId:user" }] },
        },
        { method: "POST", path: "/Users", bulkId: "user", data: userBody(userName) },
        // The same userName again: 409 uniqueness, this operation only.
        { method: "POST", path: "/Users", bulkId: "twin", data: userBody(userName) },
        {
          method: "PATCH",
          path: "/Users/bulkId:user",
          data: patchOp({ op: "replace", path: "displayName", value: "Patched In Bulk" }),
        },
      ]),
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body.schemas).toEqual([bulkResponse]);
    // The referenced POST ran before the group that needs it.
    expect(res.body.Operations.map((op: Json) => op.bulkId ?? op.method)).toEqual([
      "user",
      "group",
      "twin",
      "PATCH",
    ]);
    const ops = byBulkId(res.body);
    expect(ops.user).toMatchObject({ method: "POST", status: "201", response: { userName } });
    expect(ops.group).toMatchObject({ method: "POST", status: "201" });
    expect(ops.twin).toMatchObject({
      status: "409",
      response: { schemas: [errorSchema], status: "409", scimType: "uniqueness" },
    });
    expect(ops.twin?.location).toBeUndefined();
    expect(ops.PATCH).toMatchObject({ status: "200", response: { displayName: "Patched In Bulk" } });

    const userId = String(ops.user?.response?.id);
    const groupId = String(ops.group?.response?.id);
    expect(ops.user?.location).toBe(`${s.scim}/Users/${userId}`);
    expect(ops.user?.version).toMatch(/^W\/".+"$/);
    expect(ops.group?.location).toBe(`${s.scim}/Groups/${groupId}`);

    // Stored state, read back over SCIM.
    const group = await scim.read("Groups", groupId);
    expect(group.displayName).toBe(groupName);
    expect((group.members as Json[]).map((m) => m.value)).toEqual([userId]);
    const user = await scim.read("Users", userId);
    expect(user).toMatchObject({ userName, displayName: "Patched In Bulk" });
    expect((user.groups as Json[]).map((g) => g.value)).toEqual([groupId]);
    expect(await count("Users", `userName eq "${userName}"`)).toBe(1);

    // R20: each operation has its own provisioning-log entry.
    const entries = await entriesOf(userName, (found) => found.some((e) => e.status === 409));
    const created = entries.find((e) => e.method === "POST" && e.status === 201);
    expect(created).toMatchObject({ path: "/Users", resourceType: "User", resourceId: userId });
    expect(created?.detail).toContain("/Bulk operation 2 (bulkId user)");
    const refused = entries.find((e) => e.status === 409);
    expect(refused).toMatchObject({ method: "POST", path: "/Users", scimType: "uniqueness" });
    expect(refused?.detail).toContain("/Bulk operation 3 (bulkId twin)");
  });

  it("answers circular and unknown bulkId references 409 per operation and stores none of them", async () => {
    const a = uniqueName("Bulk circle A");
    const b = uniqueName("Bulk circle B");
    const userName = uniqueName("bulk-unknown-ref");
    const res = await scim.post(
      "/Bulk",
      bulkRequest([
        {
          method: "POST",
          path: "/Groups",
          bulkId: "a",
          data: { schemas: [groupSchema], displayName: a, members: [{ value: "bulkId:b" }] },
        },
        {
          method: "POST",
          path: "/Groups",
          bulkId: "b",
          data: { schemas: [groupSchema], displayName: b, members: [{ value: "bulkId:a" }] },
        },
        {
          method: "POST",
          path: "/Users",
          bulkId: "u",
          data: userBody(userName, { externalId: "bulkId:nowhere" }),
        },
      ]),
    );
    expect(res.status, res.text).toBe(200);
    const ops = byBulkId(res.body);
    for (const id of ["a", "b", "u"])
      expect(ops[id], id).toMatchObject({
        status: "409",
        response: { schemas: [errorSchema], status: "409" },
      });
    expect(String(ops.b?.response?.detail)).toMatch(/circular/);
    expect(String(ops.u?.response?.detail)).toMatch(/bulkId:nowhere/);
    expect(await count("Groups", `displayName eq "${a}"`)).toBe(0);
    expect(await count("Groups", `displayName eq "${b}"`)).toBe(0);
    expect(await count("Users", `userName eq "${userName}"`)).toBe(0);
  });

  it("failOnErrors stops after that many errors: later operations do not run", async () => {
    const names = [uniqueName("bulk-stop-1"), uniqueName("bulk-stop-2"), uniqueName("bulk-stop-3")];
    const res = await scim.post(
      "/Bulk",
      bulkRequest(
        [
          { method: "POST", path: "/Users", bulkId: "ok", data: userBody(names[0] as string) },
          // No userName: 400.
          { method: "POST", path: "/Users", bulkId: "bad1", data: { schemas: [userSchema] } },
          { method: "DELETE", path: "/Users/no-such-user" },
          { method: "POST", path: "/Users", bulkId: "never", data: userBody(names[1] as string) },
          { method: "POST", path: "/Users", bulkId: "never2", data: userBody(names[2] as string) },
        ],
        { failOnErrors: 2 },
      ),
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body.Operations.map((op: Json) => op.status)).toEqual(["201", "400", "404"]);
    expect(await count("Users", `userName eq "${names[0]}"`)).toBe(1);
    expect(await count("Users", `userName eq "${names[1]}"`)).toBe(0);
    expect(await count("Users", `userName eq "${names[2]}"`)).toBe(0);
  });

  it("R9: seats are counted per operation, as for single requests: the one over the limit is 403", async () => {
    const tenant = await s.newTenant("Bulk seats", 1);
    const first = uniqueName("bulk-seat-1");
    const second = uniqueName("bulk-seat-2");
    const res = await tenant.http.post(
      "/Bulk",
      bulkRequest([
        { method: "POST", path: "/Users", bulkId: "1", data: userBody(first) },
        { method: "POST", path: "/Users", bulkId: "2", data: userBody(second) },
      ]),
    );
    expect(res.status, res.text).toBe(200);
    const ops = byBulkId(res.body);
    expect(ops["1"]).toMatchObject({ status: "201" });
    expect(ops["2"]).toMatchObject({ status: "403", response: { status: "403" } });
    expect(String(ops["2"]?.response?.detail)).toMatch(/licence limit reached/);
    const listed = await tenant.http.get("/Users");
    expect(listed.body.Resources.map((u: Json) => u.userName)).toEqual([first]);
  });

  it("R7: a group PATCH inside /Bulk that removes a user's last SCIM group deprovisions the user", async () => {
    const userName = uniqueName("bulk-r7");
    const setup = await scim.post(
      "/Bulk",
      bulkRequest([
        { method: "POST", path: "/Users", bulkId: "u", data: userBody(userName) },
        {
          method: "POST",
          path: "/Groups",
          bulkId: "g",
          data: {
            schemas: [groupSchema],
            displayName: uniqueName("Bulk R7"),
            members: [{ value: "bulkId:u" }],
          },
        },
      ]),
    );
    const made = byBulkId(setup.body);
    const userId = String(made.u?.response?.id);
    const groupId = String(made.g?.response?.id);
    expect((await scim.read("Users", userId)).active).toBe(true);

    const res = await scim.post(
      "/Bulk",
      bulkRequest([
        {
          method: "PATCH",
          path: `/Groups/${groupId}`,
          version: String(made.g?.version),
          data: patchOp({ op: "remove", path: `members[value eq "${userId}"]` }),
        },
      ]),
    );
    expect(res.body.Operations).toMatchObject([{ method: "PATCH", status: "204" }]);
    expect(res.body.Operations[0].response).toBeUndefined();
    expect((await scim.read("Users", userId)).active).toBe(false);
    expect((await scim.read("Groups", groupId)).members).toBeUndefined();
  });

  it("the mass-deprovision brake holds bulk deactivations of established users as it holds single requests (503 each)", async () => {
    const t = await s.newTenant("Bulk brake", 100);
    const imports = createClient(
      ImportService,
      createServiceTransport({ baseUrl: s.stack.identityCoreUrl, credential: s.stack.credential }),
    );
    const ids = Array.from({ length: 25 }, () => randomUUID());
    await imports.importBatch(
      {
        tenantId: t.tenantId,
        users: ids.map((id, i) => ({ id, userName: `staff-${i}@bulk-brake.example` })),
      },
      support,
    );
    // Limit: max(20, 10% of 25 established users) = 20 in the hour.
    const res = await t.http.post(
      "/Bulk",
      bulkRequest(
        ids.map((id) => ({
          method: "PATCH",
          path: `/Users/${id}`,
          data: patchOp({ op: "replace", value: { active: false } }),
        })),
      ),
    );
    expect(res.status, res.text).toBe(200);
    const statuses = res.body.Operations.map((op: Json) => op.status);
    expect(statuses.filter((status: string) => status === "200")).toHaveLength(20);
    const held = res.body.Operations.filter((op: Json) => op.status === "503");
    expect(held).toHaveLength(5);
    expect(String(held[0].response.detail)).toContain("mass-deprovision brake");
    const inactive = await t.http.get(`/Users?filter=${encodeURIComponent("active eq false")}&count=0`);
    expect(inactive.body.totalResults).toBe(20);
  });

  it("enforces maxOperations and maxPayloadSize with 413 and advertises both at /ServiceProviderConfig", async () => {
    const config = await scim.get("/ServiceProviderConfig");
    expect(config.body.bulk).toEqual({ supported: true, maxOperations: 1000, maxPayloadSize: 1_048_576 });

    const userName = uniqueName("bulk-too-many");
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({
      method: "POST",
      path: "/Users",
      bulkId: `u${i}`,
      data: { userName: i === 0 ? userName : `${i}-${userName}` },
    }));
    const many = await scim.post("/Bulk", bulkRequest(tooMany));
    expect(many.status).toBe(413);
    expect(many.body).toMatchObject({ schemas: [errorSchema], status: "413" });
    expect(many.body.detail).toMatch(/maxOperations is 1000/);
    expect(await count("Users", `userName eq "${userName}"`)).toBe(0);

    const large = await scim.post(
      "/Bulk",
      bulkRequest([
        {
          method: "POST",
          path: "/Users",
          bulkId: "big",
          data: userBody(userName, { title: "x".repeat(1_100_000) }),
        },
      ]),
    );
    expect(large.status).toBe(413);
    expect(large.body).toMatchObject({ schemas: [errorSchema], status: "413" });
    expect(large.body.detail).toMatch(/maxPayloadSize \(1048576 bytes\)/);
  });

  it("refuses a body that is no BulkRequest with 400 and malformed operations per operation", async () => {
    const wrong = await scim.post("/Bulk", { Operations: [] });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ schemas: [errorSchema], scimType: "invalidSyntax" });
    const res = await scim.post(
      "/Bulk",
      bulkRequest([
        { method: "GET", path: "/Users" },
        { method: "POST", path: "/Users", data: userBody(uniqueName("no-bulk-id")) },
        { method: "PUT", path: "/Devices/1", data: {} },
        { method: "DELETE", path: "/Users/x?attributes=id" },
      ]),
    );
    expect(res.status).toBe(200);
    expect(res.body.Operations.map((op: Json) => op.status)).toEqual(["400", "400", "404", "400"]);
  });
});
