import { describe, expect, it } from "vitest";
import {
  ENTERPRISE_USER_SCHEMA,
  matchesFilter,
  parseFilter,
  USER_RESOURCE_TYPE,
  USER_SCHEMA,
} from "../src/index.js";

const definitions = [...USER_RESOURCE_TYPE.common, ...USER_RESOURCE_TYPE.schema.attributes];
const user = {
  id: "2819c223",
  externalId: "Ext-1",
  userName: "Bjensen@Example.com",
  title: "Tour Guide",
  active: true,
  name: { givenName: "Barbara", familyName: "O'Malley" },
  emails: [
    { value: "bjensen@example.com", type: "work", primary: true },
    { value: "babs@jensen.org", type: "home" },
  ],
  meta: { lastModified: "2011-05-13T04:42:34Z" },
  [ENTERPRISE_USER_SCHEMA]: { department: "Tour Operations" },
  score: 7,
};
const matches = (filter: string) => matchesFilter(parseFilter(filter), user, definitions);

describe("matchesFilter (RFC 7644 §3.4.2.2 semantics)", () => {
  it.each([
    ['userName eq "bjensen@example.com"', true],
    ['USERNAME EQ "BJENSEN@EXAMPLE.COM"', true],
    ['externalId eq "ext-1"', false],
    ['externalId eq "Ext-1"', true],
    ['id eq "2819C223"', false],
    ['name.familyName co "malley"', true],
    ['userName sw "bjen"', true],
    ['userName ew ".com"', true],
    ['title ne "Tour Guide"', false],
    ['nickName ne "x"', true],
    ["nickName pr", false],
    ["title pr", true],
    ["nickName eq null", true],
    ["title eq null", false],
    ["title ne null", true],
    ["active eq true", true],
    ["active ne true", false],
    ['active eq "true"', false],
    ["score gt 5", true],
    ["score le 6", false],
    ['meta.lastModified gt "2011-05-13T04:42:33Z"', true],
    ['meta.lastModified lt "2011-05-13T05:42:34+02:00"', false],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', true],
    ['emails co "jensen.org"', true],
    ['emails.value eq "BABS@JENSEN.ORG"', true],
    ['emails[type eq "work" and value co "@example.com"]', true],
    ['emails[type eq "home" and primary eq true]', false],
    ['emails[type eq "work"].value eq "bjensen@example.com"', true],
    ['not (emails[type eq "other"])', true],
    ['title pr and (userName sw "x" or active eq true)', true],
    ['title pr and userName sw "x" or active eq false', false],
    [`${USER_SCHEMA}:userName sw "b"`, true],
    [`${ENTERPRISE_USER_SCHEMA}:department eq "tour operations"`, true],
    [`${ENTERPRISE_USER_SCHEMA}:costCenter pr`, false],
    ['addresses[type eq "work"]', false],
    ['title gt "A"', true],
    ['title lt "A"', false],
    ["title gt 3", false],
    ['score eq "7"', false],
  ])("%s → %s", (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });

  it("compares unknown attributes case-insensitively", () => {
    expect(matchesFilter(parseFilter('custom eq "ABC"'), { custom: "abc" }, [])).toBe(true);
  });

  it("a URN prefix whose container is not an object matches nothing", () => {
    expect(
      matchesFilter(
        parseFilter(`${ENTERPRISE_USER_SCHEMA}:department pr`),
        { [ENTERPRISE_USER_SCHEMA]: "x" },
        [],
      ),
    ).toBe(false);
  });

  it("co, sw and ew compare strings even for date-time literals", () => {
    expect(matchesFilter(parseFilter('meta.lastModified sw "2011-05-13T04:42:34Z"'), user, definitions)).toBe(
      true,
    );
  });
});
