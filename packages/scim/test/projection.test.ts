import { describe, expect, it } from "vitest";
import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_RESOURCE_TYPE,
  isAttributeRequested,
  projectResource,
  USER_RESOURCE_TYPE,
  USER_SCHEMA,
} from "../src/index.js";
import { expectScimError } from "./fixture-row.js";

const user = {
  schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
  id: "u1",
  externalId: "e1",
  userName: "alice",
  password: "never-returned",
  name: { givenName: "Alice", familyName: "Smith" },
  emails: [{ value: "a@x.com", type: "work", primary: true }],
  meta: { resourceType: "User", location: "https://h/Users/u1" },
  [ENTERPRISE_USER_SCHEMA]: { department: "Sales", costCenter: "42" },
  custom: "kept by default",
};
const group = {
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
  id: "g1",
  displayName: "G",
  members: [{ value: "u1" }],
};
const project = (params: Parameters<typeof projectResource>[2]) =>
  projectResource(user, USER_RESOURCE_TYPE, params);

describe("projectResource (R23: attributes / excludedAttributes, RFC 7644 §3.4.2.5)", () => {
  it("returns default attributes and never password when nothing is asked", () => {
    const { password: _, ...expected } = user;
    expect(project({})).toEqual(expected);
  });

  it("the default projection passes default attributes through uncopied, and still drops password and empty values", () => {
    const resource = { ...user, displayName: undefined, phoneNumbers: [], PASSWORD: "also never" };
    for (let i = 0; i < 3; i++) {
      // The second and third rounds use the memoised decisions.
      const projected = projectResource(resource, USER_RESOURCE_TYPE, {});
      expect(projected.name).toBe(user.name);
      expect(projected.emails).toBe(user.emails);
      expect(projected).not.toHaveProperty("password");
      expect(projected).not.toHaveProperty("PASSWORD");
      expect(projected).not.toHaveProperty("displayName");
      expect(projected).not.toHaveProperty("phoneNumbers");
      expect(projected[ENTERPRISE_USER_SCHEMA]).toEqual(user[ENTERPRISE_USER_SCHEMA]);
    }
  });

  it("attributes returns id (returned: always), schemas and the named attributes only", () => {
    expect(project({ attributes: "userName" })).toEqual({
      schemas: user.schemas,
      id: "u1",
      userName: "alice",
    });
  });

  it("attributes names are case-insensitive and may be URN-prefixed", () => {
    expect(project({ attributes: `USERNAME,${USER_SCHEMA}:externalId` })).toEqual({
      schemas: user.schemas,
      id: "u1",
      externalId: "e1",
      userName: "alice",
    });
  });

  it("attributes with a sub-attribute returns just that sub-attribute", () => {
    expect(project({ attributes: "name.givenName,emails.value" })).toEqual({
      schemas: user.schemas,
      id: "u1",
      name: { givenName: "Alice" },
      emails: [{ value: "a@x.com" }],
    });
  });

  it("attributes can name an extension attribute or the whole extension", () => {
    expect(project({ attributes: `${ENTERPRISE_USER_SCHEMA}:department` })).toEqual({
      schemas: user.schemas,
      id: "u1",
      [ENTERPRISE_USER_SCHEMA]: { department: "Sales" },
    });
    expect(project({ attributes: [ENTERPRISE_USER_SCHEMA] })[ENTERPRISE_USER_SCHEMA]).toEqual(
      user[ENTERPRISE_USER_SCHEMA],
    );
  });

  it("attributes never returns password, even when asked", () => {
    expect(project({ attributes: "password" })).toEqual({ schemas: user.schemas, id: "u1" });
  });

  it("excludedAttributes removes the named attributes and sub-attributes but never id", () => {
    const projected = project({ excludedAttributes: "emails,name.familyName,id,meta,custom" });
    expect(projected).toEqual({
      schemas: user.schemas,
      id: "u1",
      externalId: "e1",
      userName: "alice",
      name: { givenName: "Alice" },
      [ENTERPRISE_USER_SCHEMA]: user[ENTERPRISE_USER_SCHEMA],
    });
  });

  it("excludedAttributes can remove an extension attribute or the whole extension", () => {
    expect(
      project({ excludedAttributes: `${ENTERPRISE_USER_SCHEMA}:costCenter` })[ENTERPRISE_USER_SCHEMA],
    ).toEqual({
      department: "Sales",
    });
    expect(project({ excludedAttributes: ENTERPRISE_USER_SCHEMA })).not.toHaveProperty(
      ENTERPRISE_USER_SCHEMA,
    );
  });

  it("R24 Entra: excludedAttributes=members drops members from a group", () => {
    expect(projectResource(group, GROUP_RESOURCE_TYPE, { excludedAttributes: "members" })).toEqual({
      schemas: group.schemas,
      id: "g1",
      displayName: "G",
    });
  });

  it("R23: drops a sub-attribute from some values of a list and leaves the input as it was", () => {
    const members = [{ value: "u1" }, { value: "u2", display: "Bo" }, { value: "u3" }];
    const input = { ...group, members };
    const before = structuredClone(input);
    const out = projectResource(input, GROUP_RESOURCE_TYPE, { excludedAttributes: "members.display" });
    expect(out.members).toEqual([{ value: "u1" }, { value: "u2" }, { value: "u3" }]);
    expect(input).toEqual(before);
    // values that keep every sub-attribute are not copied (a 10,000-member group, issue 11)
    const whole = projectResource(input, GROUP_RESOURCE_TYPE, {});
    expect(whole.members).toBe(members);
    expect(whole.members).toEqual(before.members);
  });

  it("treats blank parameters as absent", () => {
    expect(project({ attributes: " ", excludedAttributes: "" })).toEqual(project({}));
  });

  it("rejects attributes together with excludedAttributes (400 invalidSyntax) and bad names (400 invalidPath)", () => {
    expectScimError(() => project({ attributes: "userName", excludedAttributes: "emails" }), {
      status: 400,
      scimType: "invalidSyntax",
    });
    expectScimError(() => project({ attributes: "1bad" }), { status: 400, scimType: "invalidPath" });
  });

  it("keeps an extension value that is not an object as it is", () => {
    expect(projectResource({ id: "u", [ENTERPRISE_USER_SCHEMA]: "odd" }, USER_RESOURCE_TYPE)).toEqual({
      id: "u",
      [ENTERPRISE_USER_SCHEMA]: "odd",
    });
  });
});

describe("isAttributeRequested (R25: skip loading members)", () => {
  it.each([
    [{}, true],
    [{ excludedAttributes: "members" }, false],
    [{ excludedAttributes: "MEMBERS,displayName" }, false],
    [{ excludedAttributes: "displayName" }, true],
    [{ attributes: "displayName" }, false],
    [{ attributes: "members.value" }, true],
    [{ attributes: "members" }, true],
  ])("members with %j → %s", (params, expected) => {
    expect(isAttributeRequested(GROUP_RESOURCE_TYPE, "members", params)).toBe(expected);
  });

  it("always requests returned:always attributes and never password", () => {
    expect(isAttributeRequested(USER_RESOURCE_TYPE, "id", { attributes: "userName" })).toBe(true);
    expect(isAttributeRequested(USER_RESOURCE_TYPE, "password", { attributes: "password" })).toBe(false);
    expect(isAttributeRequested(USER_RESOURCE_TYPE, "title", {})).toBe(true);
  });

  it("answers each parameter set on its own when asked again, in any order (answers are remembered)", () => {
    const asked = (params: Parameters<typeof isAttributeRequested>[2]) =>
      isAttributeRequested(GROUP_RESOURCE_TYPE, "members", params);
    for (let round = 0; round < 2; round++) {
      expect(asked({ excludedAttributes: "members" })).toBe(false);
      expect(asked({})).toBe(true);
      expect(asked({ excludedAttributes: ["members"] })).toBe(false);
      expect(asked({ excludedAttributes: ["members,displayName"] })).toBe(false);
      expect(asked({ attributes: "members" })).toBe(true);
      expect(asked({ attributes: ["displayName", "members"] })).toBe(true);
      expect(asked({ attributes: ["displayName"] })).toBe(false);
      expect(isAttributeRequested(USER_RESOURCE_TYPE, "members", {})).toBe(true);
      expect(() => asked({ attributes: "members", excludedAttributes: "members" })).toThrow();
      // a list and one name holding the list's separator are different requests
      expect(() => asked({ attributes: ["displayName\u0001members"] })).toThrow();
    }
  });
});
