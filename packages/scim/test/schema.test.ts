import { describe, expect, it } from "vitest";
import {
  buildListResponse,
  ENTERPRISE_USER_SCHEMA,
  GROUP_RESOURCE_TYPE,
  GROUP_SCHEMA,
  listIgnoredAttributes,
  renderResourceTypes,
  renderSchemas,
  renderServiceProviderConfig,
  resolveAttribute,
  USER_RESOURCE_TYPE,
  USER_SCHEMA,
  validateResource,
} from "../src/index.js";
import { expectScimError } from "./fixture-row.js";

const BASE = "https://scim.cosafe.example/scim/v2/";
const names = (schema: Record<string, unknown>) =>
  (schema.attributes as { name: string }[]).map((a) => a.name);

describe("renderSchemas (R23: /Schemas)", () => {
  it("advertises exactly the stored User attributes (R2) and the Group schema by default", () => {
    const schemas = renderSchemas(BASE);
    expect(schemas.map((schema) => schema.id)).toEqual([USER_SCHEMA, GROUP_SCHEMA]);
    expect(names(schemas[0] ?? {})).toEqual([
      "userName",
      "name",
      "displayName",
      "title",
      "active",
      "emails",
      "phoneNumbers",
    ]);
    expect(names(schemas[1] ?? {})).toEqual(["displayName", "members"]);
  });

  it("renders characteristics in RFC 7643 §7 form with meta.location under the base URL", () => {
    const [user] = renderSchemas(BASE);
    const userName = ((user?.attributes ?? []) as Record<string, unknown>[])[0];
    expect(userName).toEqual({
      name: "userName",
      type: "string",
      multiValued: false,
      description: expect.any(String),
      required: true,
      caseExact: false,
      mutability: "readWrite",
      returned: "default",
      uniqueness: "server",
    });
    expect(user?.meta).toEqual({
      resourceType: "Schema",
      location: `https://scim.cosafe.example/scim/v2/Schemas/${USER_SCHEMA}`,
    });
    expect(user?.schemas).toEqual(["urn:ietf:params:scim:schemas:core:2.0:Schema"]);
  });

  it("lists only the stored sub-attributes of emails and name", () => {
    const [user] = renderSchemas(BASE);
    const attributes = user?.attributes as { name: string; subAttributes?: { name: string }[] }[];
    const subs = (name: string) => attributes.find((a) => a.name === name)?.subAttributes?.map((s) => s.name);
    expect(subs("emails")).toEqual(["value", "type", "primary"]);
    expect(subs("name")).toEqual(["formatted", "familyName", "givenName"]);
  });

  it("advertises every accepted attribute and the enterprise extension with advertise: accepted", () => {
    const schemas = renderSchemas(BASE, { advertise: "accepted" });
    expect(schemas.map((schema) => schema.id)).toEqual([USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA]);
    expect(names(schemas[0] ?? {})).toContain("addresses");
    expect(JSON.stringify(schemas)).not.toContain("null");
  });

  it("renders canonicalValues and referenceTypes", () => {
    const [user] = renderSchemas(BASE, { advertise: "accepted" });
    const attributes = user?.attributes as Record<string, unknown>[];
    const phone = attributes.find((a) => a.name === "phoneNumbers") as {
      subAttributes: Record<string, unknown>[];
    };
    expect(phone.subAttributes.find((s) => s.name === "type")?.canonicalValues).toContain("mobile");
    expect(attributes.find((a) => a.name === "profileUrl")?.referenceTypes).toEqual(["external"]);
  });
});

describe("renderResourceTypes (R23: /ResourceTypes)", () => {
  it("renders User and Group; the enterprise extension only when advertised", () => {
    const [user, group] = renderResourceTypes("https://h/scim/v2");
    expect(user).toEqual({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
      id: "User",
      name: "User",
      endpoint: "/Users",
      description: "User Account",
      schema: USER_SCHEMA,
      schemaExtensions: [],
      meta: { resourceType: "ResourceType", location: "https://h/scim/v2/ResourceTypes/User" },
    });
    expect(group?.endpoint).toBe("/Groups");
    const [accepted] = renderResourceTypes("https://h/scim/v2", { advertise: "accepted" });
    expect(accepted?.schemaExtensions).toEqual([{ schema: ENTERPRISE_USER_SCHEMA, required: false }]);
  });

  it("wraps into a ListResponse with Resources always present", () => {
    expect(buildListResponse({ resources: renderResourceTypes("https://h") })).toMatchObject({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
      totalResults: 2,
      startIndex: 1,
      itemsPerPage: 2,
    });
  });
});

describe("renderServiceProviderConfig (R23)", () => {
  it("advertises bulk with its limits when the facade serves it (RFC 7643 §5)", () => {
    const config = renderServiceProviderConfig("https://h/scim/v2", {
      maxResults: 100,
      sort: true,
      etag: true,
      bulk: { maxOperations: 1000, maxPayloadSize: 1_048_576 },
    });
    expect(config.bulk).toEqual({ supported: true, maxOperations: 1000, maxPayloadSize: 1_048_576 });
  });

  it("advertises PATCH, filter with maxResults, sort, etag and the bearer token scheme; no bulk", () => {
    const config = renderServiceProviderConfig("https://h/scim/v2", {
      maxResults: 100,
      sort: true,
      etag: true,
      documentationUri: "https://docs.cosafe.example/scim",
    });
    expect(config).toMatchObject({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
      documentationUri: "https://docs.cosafe.example/scim",
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
      filter: { supported: true, maxResults: 100 },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      authenticationSchemes: [{ type: "oauthbearertoken", primary: true }],
      meta: { location: "https://h/scim/v2/ServiceProviderConfig" },
    });
    expect(
      renderServiceProviderConfig("https://h", { maxResults: 5, sort: false, etag: false }),
    ).not.toHaveProperty("documentationUri");
  });

  it("issue 16: advertises the client-credentials token endpoint as a second oauthbearertoken scheme", () => {
    const config = renderServiceProviderConfig("https://h/scim/v2", {
      maxResults: 5,
      sort: false,
      etag: false,
      oauthTokenEndpoint: "https://h/scim/v2/oauth/token",
    });
    expect(config.authenticationSchemes).toEqual([
      expect.objectContaining({ type: "oauthbearertoken", primary: true }),
      expect.objectContaining({
        type: "oauthbearertoken",
        name: "OAuth 2.0 client credentials",
        description: expect.stringContaining("https://h/scim/v2/oauth/token"),
        specUri: "https://www.rfc-editor.org/rfc/rfc6749#section-4.4",
        primary: false,
      }),
    ]);
  });
});

describe("validateResource (R1, R2, R24)", () => {
  it("R24 Entra: accepts the documented create-user body (E02) and lists what is not stored", () => {
    const body = {
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
      userName: "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
      active: true,
      emails: [
        { primary: true, type: "work", value: "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com" },
      ],
      meta: { resourceType: "User" },
      name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
      roles: [],
    };
    expect(validateResource(body, USER_RESOURCE_TYPE)).toEqual({
      resource: {
        schemas: [USER_SCHEMA],
        externalId: body.externalId,
        userName: body.userName,
        active: true,
        emails: body.emails,
        name: body.name,
      },
      ignoredAttributes: [],
    });
  });

  it("R24 MS tests: string booleans, capitalised names and unknown attributes (M25, M32)", () => {
    const result = validateResource(
      { UserName: "u", Active: "True", Emails: [{ Value: "a@x", Primary: "true" }], emialz: "x" },
      USER_RESOURCE_TYPE,
    );
    expect(result.resource).toEqual({
      schemas: [USER_SCHEMA],
      userName: "u",
      active: true,
      emails: [{ value: "a@x", primary: true }],
    });
    expect(result.ignoredAttributes).toEqual(["emialz"]);
  });

  it("R2: lists unstored core, sub- and extension attributes as ignored", () => {
    const result = validateResource(
      {
        userName: "u",
        nickName: "n",
        addresses: [{ streetAddress: "1 Main St" }],
        name: { givenName: "G", middleName: "M" },
        emails: [{ value: "a@x", display: "A" }],
        [ENTERPRISE_USER_SCHEMA]: { department: "D", manager: { value: "m" } },
        "urn:ietf:params:scim:schemas:extension:custom:2.0:User:costCode": "7",
      },
      USER_RESOURCE_TYPE,
    );
    expect(result.ignoredAttributes).toEqual([
      "nickName",
      "addresses",
      "name.middleName",
      "emails.display",
      `${ENTERPRISE_USER_SCHEMA}:department`,
      `${ENTERPRISE_USER_SCHEMA}:manager`,
      "urn:ietf:params:scim:schemas:extension:custom:2.0:User:costCode",
    ]);
    expect(result.resource).toEqual({
      schemas: [USER_SCHEMA],
      userName: "u",
      name: { givenName: "G" },
      emails: [{ value: "a@x" }],
    });
  });

  it("ignores readOnly attributes (id, meta, groups) without listing them", () => {
    const result = validateResource(
      { id: "x", meta: {}, groups: [{ value: "g" }], userName: "u" },
      USER_RESOURCE_TYPE,
    );
    expect(result).toEqual({ resource: { schemas: [USER_SCHEMA], userName: "u" }, ignoredAttributes: [] });
  });

  it('treats null and "" as unassigned and never lists them as ignored', () => {
    const result = validateResource(
      { userName: "u", title: null, displayName: "", nickName: null, roles: [] },
      USER_RESOURCE_TYPE,
    );
    expect(result).toEqual({ resource: { schemas: [USER_SCHEMA], userName: "u" }, ignoredAttributes: [] });
  });

  it("accepts dotted keys for sub-attributes", () => {
    const result = validateResource(
      { userName: "u", "name.givenName": "G", "name.familyName": "F" },
      USER_RESOURCE_TYPE,
    );
    expect(result.resource.name).toEqual({ givenName: "G", familyName: "F" });
  });

  it("R1: missing userName is 400 invalidValue", () => {
    expectScimError(() => validateResource({ displayName: "x" }, USER_RESOURCE_TYPE), {
      status: 400,
      scimType: "invalidValue",
    });
    expectScimError(() => validateResource({ userName: "" }, USER_RESOURCE_TYPE), {
      status: 400,
      scimType: "invalidValue",
    });
  });

  it("rejects values of the wrong type with 400 invalidValue", () => {
    for (const body of [
      { userName: 1 },
      { userName: "u", active: "yes" },
      { userName: "u", emails: "a@x" },
      {
        userName: "u",
        emails: [
          { value: "a", primary: true },
          { value: "b", primary: true },
        ],
      },
      { userName: "u", name: "x" },
    ]) {
      expectScimError(() => validateResource(body, USER_RESOURCE_TYPE), {
        status: 400,
        scimType: "invalidValue",
      });
    }
  });

  it("rejects a body that is not an object with 400 invalidSyntax", () => {
    expectScimError(() => validateResource([], USER_RESOURCE_TYPE), {
      status: 400,
      scimType: "invalidSyntax",
    });
  });

  it("R14: a Group needs no displayName; R24 Entra's extra schema URI is ignored (E14)", () => {
    const result = validateResource(
      {
        schemas: [GROUP_SCHEMA, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        meta: { resourceType: "Group" },
        members: [{ value: "u1", display: "U", $ref: "https://h/Users/u1" }],
      },
      GROUP_RESOURCE_TYPE,
    );
    expect(result).toEqual({
      resource: {
        schemas: [GROUP_SCHEMA],
        externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        members: [{ value: "u1", $ref: "https://h/Users/u1" }],
      },
      ignoredAttributes: [],
    });
  });

  it("an extension key whose value is not an object is ignored", () => {
    expect(
      validateResource({ userName: "u", [ENTERPRISE_USER_SCHEMA]: "x" }, USER_RESOURCE_TYPE)
        .ignoredAttributes,
    ).toEqual([ENTERPRISE_USER_SCHEMA]);
  });
});

describe("listIgnoredAttributes (R20: why attributes did not sync)", () => {
  it("lists unknown and unstored attributes without validating values", () => {
    expect(
      listIgnoredAttributes(
        {
          userName: 5,
          addresses: "x",
          emails: [{ value: "a", display: "d", foo: 1 }, "junk"],
          name: { middleName: "m" },
          x: 1,
        },
        USER_RESOURCE_TYPE,
      ),
    ).toEqual(["addresses", "emails.display", "emails.foo", "name.middleName", "x"]);
  });

  it("reports sub-attribute keys of multi-valued attributes and ignores readOnly ones", () => {
    expect(
      listIgnoredAttributes({ "emails.value": "a", groups: [{ value: "g" }], id: "x" }, USER_RESOURCE_TYPE),
    ).toEqual(["emails.value"]);
    expect(
      listIgnoredAttributes({ "name.givenName": "a", "name.middleName": "b" }, USER_RESOURCE_TYPE),
    ).toEqual(["name.middleName"]);
  });

  it("returns nothing for a body that is not an object", () => {
    expect(listIgnoredAttributes("x", USER_RESOURCE_TYPE)).toEqual([]);
  });
});

describe("resolveAttribute", () => {
  it("resolves core, common, URN-prefixed and extension attributes case-insensitively", () => {
    expect(resolveAttribute(USER_RESOURCE_TYPE, { attribute: "USERNAME" })?.definition.name).toBe("userName");
    expect(resolveAttribute(USER_RESOURCE_TYPE, { attribute: "id" })?.definition.returned).toBe("always");
    expect(
      resolveAttribute(USER_RESOURCE_TYPE, { schema: USER_SCHEMA, attribute: "title" })?.definition.name,
    ).toBe("title");
    const manager = resolveAttribute(USER_RESOURCE_TYPE, {
      schema: ENTERPRISE_USER_SCHEMA,
      attribute: "manager",
      subAttribute: "value",
    });
    expect(manager?.extension?.id).toBe(ENTERPRISE_USER_SCHEMA);
    expect(manager?.sub?.name).toBe("value");
  });

  it("does not resolve extension attributes without their URN, nor core attributes of another type", () => {
    expect(resolveAttribute(USER_RESOURCE_TYPE, { attribute: "department" })).toBeUndefined();
    expect(
      resolveAttribute(GROUP_RESOURCE_TYPE, { schema: USER_SCHEMA, attribute: "userName" }),
    ).toBeUndefined();
    expect(resolveAttribute(USER_RESOURCE_TYPE, { attribute: "name", subAttribute: "nope" })).toBeUndefined();
  });
});
