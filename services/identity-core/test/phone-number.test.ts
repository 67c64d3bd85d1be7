import { describe, expect, it } from "vitest";
import { phoneRegionOf, toE164 } from "../src/domain/user/phone-number.js";

describe("R2: phone numbers get an E.164 copy (libphonenumber-js), with the tenant's default region", () => {
  it.each([
    // National formats: need the region.
    ["(555) 555-0100", "US", "+15555550100"],
    ["555.555.0100", "US", "+15555550100"],
    ["020 7946 0958", "GB", "+442079460958"],
    ["070-123 45 67", "SE", "+46701234567"],
    ["08-123 456 78", "SE", "+46812345678"],
    ["030 1234567", "DE", "+49301234567"],
    // International formats: the region does not matter.
    ["+1 (555) 555-0100", undefined, "+15555550100"],
    ["+44 20 7946 0958", "US", "+442079460958"],
    ["+46 (70) 123-45 67", undefined, "+46701234567"],
    ["0046 70 123 45 67", undefined, "+46701234567"],
    ["  +49 30 1234567 ", "SE", "+49301234567"],
  ])("%s with region %s → %s", (value, region, e164) => {
    expect(toE164(value, region)).toBe(e164);
  });

  it.each([
    // National numbers without a region cannot be placed.
    ["(555) 555-0100", undefined],
    ["020 7946 0958", null],
    // Junk, too short, too long, letters, an unknown region.
    ["ext. 42", "US"],
    ["call me maybe", "SE"],
    ["12", "US"],
    ["+1 555", undefined],
    ["+46 70 123 45 67 89 01 23", undefined],
    ["", "US"],
    ["(555) 555-0100", "XX"],
    ["x".repeat(200), "US"],
  ])("%s with region %s has no E.164 form (kept as sent and flagged)", (value, region) => {
    expect(toE164(value, region)).toBeUndefined();
  });

  it("a tenant's region is an ISO 3166-1 alpha-2 code with a numbering plan, or none", () => {
    expect(phoneRegionOf("us")).toBe("US");
    expect(phoneRegionOf(" SE ")).toBe("SE");
    expect(phoneRegionOf("")).toBeNull();
    for (const bad of ["USA", "XX", "1", "E1"])
      expect(() => phoneRegionOf(bad)).toThrow(/PHONE_REGION|region/);
  });
});
