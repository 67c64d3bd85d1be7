import { FilterOperator, UserField, type UserFilter } from "@cosafe/proto/identity";
import { ScimError } from "@cosafe/scim";
import { describe, expect, it } from "vitest";
import { userFilterFromScim } from "../src/resources/users/users.query.js";

function condition(filter: UserFilter) {
  if (filter.expression.case !== "condition")
    throw new Error(`expected a condition, got ${filter.expression.case}`);
  return filter.expression.value;
}

function scimTypeOf(source: string): string | undefined {
  try {
    userFilterFromScim(source);
  } catch (error) {
    if (error instanceof ScimError) return error.scimType;
    throw error;
  }
  return undefined;
}

describe("userFilterFromScim (the /Users filter allowlist)", () => {
  it("translates userName eq into a typed condition", () => {
    const c = condition(userFilterFromScim('userName eq "bjensen"'));
    expect([c.field, c.operator, c.value?.kind]).toEqual([
      UserField.USER_NAME,
      FilterOperator.EQUAL,
      { case: "stringValue", value: "bjensen" },
    ]);
  });

  it("accepts the core schema URN prefix and any attribute-name case", () => {
    const c = condition(userFilterFromScim('urn:ietf:params:scim:schemas:core:2.0:User:USERNAME eq "x"'));
    expect(c.field).toBe(UserField.USER_NAME);
  });

  it("maps and/or/not and value paths", () => {
    const f = userFilterFromScim('not (active eq true) or emails[type eq "work" and value co "@x.com"]');
    expect(f.expression.case).toBe("or");
    if (f.expression.case !== "or") return;
    const [left, right] = f.expression.value.filters;
    expect(left?.expression.case).toBe("not");
    expect(right?.expression.case).toBe("element");
    if (right?.expression.case === "element")
      expect(right.expression.value.attribute).toBe(UserField.EMAIL_VALUE);
  });

  it("turns meta.lastModified comparisons into timestamps", () => {
    const c = condition(userFilterFromScim('meta.lastModified gt "2026-01-01T00:00:00Z"'));
    expect(c.field).toBe(UserField.UPDATE_TIME);
    expect(c.value?.kind.case).toBe("timestampValue");
  });

  it.each([
    ['nickName eq "x"'],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "x"'],
    ["userName eq 42"],
    ['meta.created gt "yesterday"'],
    ['userName eq "unterminated'],
  ])("refuses %s with 400 invalidFilter", (source) => {
    expect(scimTypeOf(source)).toBe("invalidFilter");
  });
});
