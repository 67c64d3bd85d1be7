import { describe, expect, it } from "vitest";
import { buildListResponse, isScimError, ScimError, toErrorBody } from "../src/index.js";

describe("ScimError and toErrorBody (R23: RFC 7644 §3.12)", () => {
  it("renders the error body with status as a string", () => {
    const error = new ScimError(409, "uniqueness", "userName 'a' is already in use");
    expect(toErrorBody(error)).toEqual({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: "409",
      scimType: "uniqueness",
      detail: "userName 'a' is already in use",
    });
  });

  it("omits scimType when there is none (e.g. 404)", () => {
    expect(toErrorBody(new ScimError(404, undefined, "Resource x not found"))).toEqual({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: "404",
      detail: "Resource x not found",
    });
  });

  it("is an Error with name ScimError and detail as message", () => {
    const error = new ScimError(400, "invalidFilter", "bad");
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ScimError");
    expect(error.message).toBe("bad");
    expect(isScimError(error)).toBe(true);
    expect(isScimError(new Error("x"))).toBe(false);
  });
});

describe("buildListResponse (R23: RFC 7644 §3.4.2)", () => {
  it("always carries Resources, even when empty (MS tests assert Resources eql [])", () => {
    expect(buildListResponse({ resources: [] })).toEqual({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });

  it("reports the page and the total", () => {
    expect(buildListResponse({ resources: [{ id: "a" }], totalResults: 7, startIndex: 6 })).toMatchObject({
      totalResults: 7,
      startIndex: 6,
      itemsPerPage: 1,
      Resources: [{ id: "a" }],
    });
  });

  it("treats startIndex < 1 or not a number as 1 and floors fractions", () => {
    expect(buildListResponse({ resources: [], startIndex: 0 }).startIndex).toBe(1);
    expect(buildListResponse({ resources: [], startIndex: Number.NaN }).startIndex).toBe(1);
    expect(buildListResponse({ resources: [], startIndex: 3.7 }).startIndex).toBe(3);
  });
});
