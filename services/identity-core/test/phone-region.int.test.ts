import { Code, ConnectError } from "@connectrpc/connect";
import { reasonOf } from "@cosafe/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminActor,
  as,
  type CoreHarness,
  scimActor,
  startCoreHarness,
  supportActor,
} from "./support/core-harness.js";

let h: CoreHarness;
let tenantId: string;

beforeAll(async () => {
  h = await startCoreHarness();
  tenantId = await h.newTenant("Phone Region Inc");
});

afterAll(() => h?.close());

async function setRegion(region: string, actor = adminActor(tenantId)) {
  const { tenant } = await h.tenants.getTenant({ tenantId }, as(supportActor));
  return h.tenants.updateTenant(
    {
      tenant: { id: tenantId, settings: { defaultPhoneRegion: region } },
      updateMask: { paths: ["settings.default_phone_region"] },
      etag: tenant?.etag ?? "",
    },
    as(actor),
  );
}

const phones = (...values: string[]) => values.map((value) => ({ value, type: "work", primary: false }));

describe("R2: a tenant's default phone region (migration 0010, UpdateTenant settings.default_phone_region)", () => {
  it("R2: without a region only international numbers are normalised; national ones are kept and flagged", async () => {
    const { user, notices } = await h.users.createUser(
      {
        tenantId,
        user: {
          userName: "no-region@example.com",
          phoneNumbers: phones("(555) 555-0100", "+1 555 555 0100"),
        },
      },
      as(scimActor(tenantId)),
    );
    expect(user?.phoneNumbers.map((p) => [p.value, p.e164])).toEqual([
      ["(555) 555-0100", ""],
      ["+1 555 555 0100", "+15555550100"],
    ]);
    expect(notices.join()).toContain('"(555) 555-0100" could not be normalised to E.164; kept as sent');
  });

  it("R2: an administrator sets US; national formats then normalise on create and update, junk is kept as sent and flagged", async () => {
    const { tenant } = await setRegion("us");
    expect(tenant?.settings?.defaultPhoneRegion).toBe("US");
    const { user, notices } = await h.users.createUser(
      {
        tenantId,
        user: {
          userName: "us-region@example.com",
          phoneNumbers: phones("(555) 555-0100", "+46 8 123 456 78", "ask reception"),
        },
      },
      as(scimActor(tenantId)),
    );
    expect(user?.phoneNumbers.map((p) => [p.value, p.e164])).toEqual([
      ["(555) 555-0100", "+15555550100"],
      ["+46 8 123 456 78", "+46812345678"],
      ["ask reception", ""],
    ]);
    const phoneNotices = notices.filter((n) => n.startsWith("phone number"));
    expect(phoneNotices).toEqual([
      'phone number "ask reception" could not be normalised to E.164; kept as sent',
    ]);

    const updated = await h.users.updateUser(
      {
        tenantId,
        user: { id: user?.id ?? "", phoneNumbers: phones("555-555-0199") },
        updateMask: { paths: ["phone_numbers"] },
      },
      as(scimActor(tenantId)),
    );
    expect(updated.user?.phoneNumbers.map((p) => [p.value, p.e164])).toEqual([
      ["555-555-0199", "+15555550199"],
    ]);
    expect(updated.notices.filter((n) => n.startsWith("phone number"))).toEqual([]);
  });

  it("R2: the change is audited; an unknown region is refused with a reason; none switches it off", async () => {
    const refused = await setRegion("XX").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConnectError);
    expect((refused as ConnectError).code).toBe(Code.InvalidArgument);
    expect(reasonOf(refused as ConnectError)).toBe("PHONE_REGION_INVALID");
    const { tenant } = await setRegion("");
    expect(tenant?.settings?.defaultPhoneRegion).toBe("");
    const { events } = await h.audit.listAuditEvents({ tenantId, targetId: tenantId }, as(supportActor));
    const changes = events.filter((e) => e.action === "tenant.updated");
    expect(changes.length).toBe(2);
    expect(JSON.stringify(changes.map((e) => e.after))).toContain("US");
  });
});
