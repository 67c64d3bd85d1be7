import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AttributePath,
  applyPatch,
  controlCharacterAt,
  ENTERPRISE_USER_SCHEMA,
  type Filter,
  GROUP_RESOURCE_TYPE,
  type MemberChanges,
  parseAttributeList,
  parseFilter,
  parsePath,
  planGroupPatch,
  printFilter,
  printPath,
  projectResource,
  ScimError,
  USER_RESOURCE_TYPE,
  USER_SCHEMA,
} from "../src/index.js";

const KEYWORDS = new Set(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr", "and", "or", "not"]);
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

const name = fc.oneof(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,7}$/).filter((n) => !KEYWORDS.has(n.toLowerCase())),
  fc.constant("$ref"),
);
const attributeRef = fc.record(
  {
    schema: fc.constantFrom(USER_SCHEMA, ENTERPRISE_USER_SCHEMA, "urn:example:custom:1.0"),
    attribute: name.filter((n) => n !== "$ref"),
    subAttribute: name,
  },
  { requiredKeys: ["attribute"] },
);
const stringValue = fc
  .oneof(
    // Control characters are refused in literals (filterLimits, docs/adr/0018).
    fc.string({ unit: "binary" }).filter((value) => controlCharacterAt(value) < 0),
    fc.date({ noInvalidDate: true, min: new Date(0) }).map((d) => d.toISOString()),
  )
  .map((value) => ({ value, valueType: DATE_TIME.test(value) ? "dateTime" : "string" }) as const);
const otherValue = fc.oneof(
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .map((n) => ({ value: n === 0 ? 0 : n, valueType: "number" as const })),
  fc.boolean().map((value) => ({ value, valueType: "boolean" as const })),
  fc.constant({ value: null, valueType: "null" as const }),
);
const compare = fc
  .oneof(
    fc.record({
      path: attributeRef,
      op: fc.constantFrom("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"),
      literal: stringValue,
    }),
    fc.record({ path: attributeRef, op: fc.constantFrom("eq", "ne"), literal: otherValue }),
    fc.record({
      path: attributeRef,
      op: fc.constantFrom("gt", "ge", "lt", "le"),
      literal: fc
        .double({ noNaN: true, noDefaultInfinity: true })
        .map((n) => ({ value: n === 0 ? 0 : n, valueType: "number" as const })),
    }),
  )
  .map(({ path, op, literal }): Filter => ({ kind: "compare", path, op, ...literal }));

function filterArbitrary(allowValuePath: boolean): fc.Arbitrary<Filter> {
  return fc.letrec<{ filter: Filter }>((tie) => ({
    filter: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      compare,
      attributeRef.map((path): Filter => ({ kind: "present", path })),
      fc.record({
        kind: fc.constantFrom("and" as const, "or" as const),
        left: tie("filter"),
        right: tie("filter"),
      }),
      fc.record({ kind: fc.constant("not" as const), filter: tie("filter") }),
      ...(allowValuePath
        ? [
            fc.record({
              kind: fc.constant("valuePath" as const),
              path: attributeRef.map(({ subAttribute: _, ...path }) => path),
              filter: filterArbitrary(false),
            }),
          ]
        : []),
    ),
  })).filter;
}

const filterText = fc
  .array(
    fc.constantFrom(
      "userName",
      " ",
      "eq",
      "EQ",
      '"x"',
      '"a\\"b"',
      "(",
      ")",
      "[",
      "]",
      "and",
      "or",
      "not",
      ".",
      "pr",
      "1",
      "-2.5e3",
      "true",
      "null",
      "emails",
      "type",
      "value",
      ":",
      USER_SCHEMA,
      `${ENTERPRISE_USER_SCHEMA}:`,
      "\\",
      '"',
      ",",
      "gt",
      "x1",
    ),
    { maxLength: 14 },
  )
  .map((parts) => parts.join(""));

/** Accepts success or a ScimError; anything else fails the property. */
function scimOutcome(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (error) {
    if (error instanceof ScimError) return error.status === 400 && typeof error.scimType === "string";
    throw error;
  }
}

const deepFreeze = <T>(value: T): T => {
  if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
};

const alice = () => ({
  schemas: [USER_SCHEMA],
  id: "2819c223",
  userName: "alice",
  displayName: "Alice",
  active: true,
  name: { givenName: "Alice", familyName: "Smith" },
  emails: [
    { value: "a@x.com", type: "work", primary: true },
    { value: "a@home.example", type: "home" },
  ],
  phoneNumbers: [{ value: "+1 555", type: "mobile" }],
  meta: { resourceType: "User" },
});

const paths = fc.oneof(
  fc.constantFrom(
    "userName",
    "displayName",
    "title",
    "active",
    "name",
    "name.givenName",
    "emails",
    'emails[type eq "work"]',
    'emails[type eq "work"].value',
    'emails[value co "x"].primary',
    "phoneNumbers",
    'phoneNumbers[type eq "mobile"].value',
    "id",
    "meta",
    "externalId",
    "members",
    'members[value eq "a"]',
    "addresses",
    `${ENTERPRISE_USER_SCHEMA}:department`,
    "nickName",
    "emails.type",
    "",
    "groups",
  ),
  fc.string(),
);
const operation = fc.record(
  {
    op: fc.constantFrom("add", "Add", "replace", "Replace", "remove", "Remove", "bogus"),
    path: paths,
    value: fc.oneof(
      fc.jsonValue(),
      fc.constantFrom("True", "False", "", null),
      fc.dictionary(paths, fc.jsonValue()),
    ),
  },
  { requiredKeys: ["op"] },
);
const request = fc.oneof(
  fc.jsonValue(),
  fc.array(operation, { minLength: 1, maxLength: 4 }).map((Operations) => ({
    schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    Operations,
  })),
);

describe("filter properties", () => {
  it("printFilter(f) parses back to f for any filter AST", () => {
    fc.assert(
      fc.property(filterArbitrary(true), (filter) => {
        expect(parseFilter(printFilter(filter))).toEqual(filter);
      }),
      { numRuns: 500 },
    );
  });

  it("print(parse(x)) re-parses to the same AST for any text that parses", () => {
    fc.assert(
      fc.property(filterText, (text) => {
        let ast: Filter;
        try {
          ast = parseFilter(text);
        } catch {
          return;
        }
        expect(parseFilter(printFilter(ast))).toEqual(ast);
      }),
      { numRuns: 1000 },
    );
  });

  it("arbitrary strings either parse or raise a 400 ScimError, never another exception", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), filterText), (text) => {
        expect(scimOutcome(() => parseFilter(text))).toBe(true);
        expect(scimOutcome(() => parsePath(text))).toBe(true);
        expect(scimOutcome(() => parseAttributeList(text))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("printPath(p) parses back to p", () => {
    const path = fc.oneof(
      attributeRef,
      fc.record({
        attribute: name.filter((n) => n !== "$ref"),
        filter: filterArbitrary(false),
        subAttribute: name,
      }),
    );
    fc.assert(
      fc.property(path, (p) => {
        expect(parsePath(printPath(p as AttributePath))).toEqual(p);
      }),
      { numRuns: 300 },
    );
  });
});

describe("PATCH properties", () => {
  it("applyPatch on arbitrary requests succeeds or raises ScimError and never mutates its (frozen) input", () => {
    fc.assert(
      fc.property(request, (body) => {
        const resource = deepFreeze(alice());
        expect(scimOutcome(() => applyPatch(resource, body, USER_RESOURCE_TYPE))).toBe(true);
        expect(resource).toEqual(alice());
      }),
      { numRuns: 1500 },
    );
  });

  it("applyPatch on groups and planGroupPatch succeed or raise ScimError for arbitrary requests", () => {
    fc.assert(
      fc.property(request, fc.option(fc.string()), (body, groupId) => {
        const group = deepFreeze({ id: "g", displayName: "G", members: [{ value: "a" }, { value: "b" }] });
        expect(scimOutcome(() => applyPatch(group, body, GROUP_RESOURCE_TYPE))).toBe(true);
        expect(scimOutcome(() => planGroupPatch(body, groupId === null ? {} : { groupId }))).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it("R25: applying a plan to any member set gives the members applyPatch gives", () => {
    const id = fc.constantFrom("a", "b", "c", "d", "e");
    const ids = fc.uniqueArray(id, { maxLength: 5 });
    const members = (list: readonly string[]) => list.map((value) => ({ value }));
    const memberOp = fc.oneof(
      ids.map((list) => ({ op: "add", path: "members", value: members(list) })),
      ids.map((list) => ({ op: "Remove", path: "members", value: members(list) })),
      ids.map((list) => ({ op: "replace", path: "members", value: members(list) })),
      fc.constant({ op: "remove", path: "members" }),
      id.map((value) => ({ op: "remove", path: `members[value eq "${value}"]` })),
      ids.map((list) => ({ op: "add", value: { members: members(list) } })),
    );
    fc.assert(
      fc.property(ids, fc.array(memberOp, { minLength: 1, maxLength: 6 }), (current, Operations) => {
        const applied = applyPatch(
          { id: "g", members: members(current) },
          { Operations },
          GROUP_RESOURCE_TYPE,
        );
        const after = ((applied.resource.members ?? []) as { value: string }[]).map((m) => m.value);
        const plan = planGroupPatch({ Operations });
        expect(new Set(applyPlan(current, plan.members))).toEqual(new Set(after));
        expect(plan.members.add.filter((x) => plan.members.remove.includes(x))).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });
});

function applyPlan(current: readonly string[], plan: MemberChanges): string[] {
  if (plan.replace !== undefined) return plan.replace;
  return [...current.filter((id) => !plan.remove.includes(id)), ...plan.add];
}

describe("projection properties", () => {
  it("never returns returned:never attributes and always returns id", () => {
    const list = fc.array(
      fc.constantFrom(
        "userName",
        "password",
        "id",
        "emails.value",
        "name",
        "meta",
        "title",
        ENTERPRISE_USER_SCHEMA,
      ),
      {
        maxLength: 4,
      },
    );
    fc.assert(
      fc.property(list, fc.boolean(), (names, exclude) => {
        const params = exclude ? { excludedAttributes: names.join(",") } : { attributes: names.join(",") };
        const projected = projectResource({ ...alice(), password: "secret" }, USER_RESOURCE_TYPE, params);
        expect(projected).not.toHaveProperty("password");
        expect(projected.id).toBe("2819c223");
      }),
    );
  });
});
