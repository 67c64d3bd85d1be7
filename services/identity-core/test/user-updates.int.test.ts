import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import {
  FilterOperator,
  ManagedBy,
  type User,
  UserField,
  UserRole,
  type UserSchema,
  UserState,
} from "@cosafe/proto/identity";
import { errorMetadataOf, reasonOf } from "@cosafe/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminActor, as, scimActor, supportActor } from "./support/core-harness.js";
import {
  auditActions,
  membershipsOf,
  rejection,
  startUserHarness,
  type UserHarness,
  userRow,
} from "./support/user-harness.js";

type UserInit = MessageInitShape<typeof UserSchema>;

let h: UserHarness;
let tenantId: string;
let counter = 0;

beforeAll(async () => {
  h = await startUserHarness();
  tenantId = await h.newTenant("Updates AB");
});

afterAll(() => h?.close());

const scim = () => as(scimActor(tenantId));
const admin = () => as(adminActor(tenantId));
const unique = (prefix: string) => `${prefix}-${++counter}@updates.test`;

const fullUser = () => ({
  userName: unique("full"),
  displayName: "Full User",
  externalId: `ext-${counter}`,
  title: "Crisis Lead",
  name: { formatted: "Full User", givenName: "Full", familyName: "User" },
  emails: [{ value: `full-${counter}@work.test`, type: "work", primary: true }],
  phoneNumbers: [{ value: "+46 70 123 45 67", type: "mobile", primary: true }],
});

async function create(actor: ReturnType<typeof scim>, user: UserInit & { userName: string }) {
  const { user: created } = await h.users.createUser({ tenantId, user }, actor);
  if (!created) throw new Error("no user");
  return created;
}

function update(
  actor: ReturnType<typeof scim>,
  user: UserInit & { id: string },
  paths: string[],
  extra: { etag?: string; overrideScimLock?: boolean } = {},
) {
  return h.users.updateUser({ tenantId, user, updateMask: { paths }, ...extra }, actor);
}

describe("R4b PUT", () => {
  it("R4b: a SCIM PUT (mask *) replaces the synchronised attributes and clears omitted optional ones", async () => {
    const user = await create(scim(), { ...fullUser(), locale: "sv-SE" });
    await update(admin(), { id: user.id, role: UserRole.ADMIN, customAttributes: { desk: "7" } }, [
      "role",
      "custom_attributes",
    ]);
    const { user: put } = await update(
      scim(),
      {
        id: user.id,
        userName: user.userName,
        displayName: "Renamed",
        emails: [{ value: "new@work.test", type: "work" }],
      },
      ["*"],
    );
    expect(put).toMatchObject({
      displayName: "Renamed",
      title: "",
      externalId: "",
      phoneNumbers: [],
      name: { formatted: "", givenName: "", familyName: "" },
      active: true,
      state: UserState.PROVISIONED,
    });
    expect(await userRow(h.db, user.id)).toMatchObject({
      user_name: user.userName,
      display_name: "Renamed",
      title: null,
      external_id: null,
      phone_numbers: [],
      emails: [{ value: "new@work.test", type: "work" }],
      name_formatted: null,
      name_given_name: null,
      name_family_name: null,
      active: true,
      state: "PROVISIONED",
      // Not synchronised: a PUT leaves Cosafe's own attributes alone.
      locale: "sv-SE",
      role: "ADMIN",
      custom_attributes: { desk: "7" },
    });
  });

  it("R4b: a PUT without active leaves active unchanged, for an active and for a deprovisioned user", async () => {
    const activeUser = await create(scim(), { userName: unique("put-active") });
    const inactiveUser = await create(scim(), { userName: unique("put-inactive"), active: false });
    for (const user of [activeUser, inactiveUser]) {
      const { user: put } = await update(
        scim(),
        { id: user.id, userName: user.userName, displayName: "Put" },
        ["*"],
      );
      expect(put?.active).toBe(user.active);
      expect(await userRow(h.db, user.id)).toMatchObject({
        active: user.active,
        state: user.active ? "PROVISIONED" : "DEPROVISIONED",
        display_name: "Put",
      });
    }
  });

  it("R4b: a PUT with active=false deprovisions; a PUT without displayName derives it (R1) and says so", async () => {
    const user = await create(scim(), fullUser());
    const { user: put, notices } = await update(
      scim(),
      {
        id: user.id,
        userName: user.userName,
        name: { givenName: "Derived", familyName: "Name" },
        active: false,
      },
      ["*"],
    );
    expect(put).toMatchObject({ displayName: "Derived Name", active: false, state: UserState.DEPROVISIONED });
    expect(notices.join()).toMatch(/givenName/);
    expect(await userRow(h.db, user.id)).toMatchObject({
      display_name: "Derived Name",
      state: "DEPROVISIONED",
    });
  });

  it("R2: update mask name.given_name changes only the given name", async () => {
    const user = await create(scim(), fullUser());
    await update(scim(), { id: user.id, name: { givenName: "Fuller" } }, ["name.given_name"]);
    expect(await userRow(h.db, user.id)).toMatchObject({
      name_formatted: "Full User",
      name_given_name: "Fuller",
      name_family_name: "User",
    });
    const error = await rejection(update(scim(), { id: user.id }, ["name.middle_name"]));
    expect(reasonOf(error)).toBe("UPDATE_MASK_INVALID");
  });
});

describe("R6 manual edits of mapped attributes", () => {
  const mapped: [string, UserInit, string][] = [
    ["display_name", { displayName: "Admin Edit" }, "displayName"],
    ["title", { title: "Boss" }, "title"],
    [
      "phone_numbers",
      { phoneNumbers: [{ value: "+4670000000", type: "work", primary: false, e164: "" }] },
      "phoneNumbers",
    ],
    ["user_name", { userName: "admin-edit@updates.test" }, "userName"],
    ["external_id", { externalId: "changed" }, "externalId"],
    ["emails", { emails: [{ value: "x@y.test", type: "", primary: false }] }, "emails"],
    ["name", { name: { formatted: "X", givenName: "", familyName: "" } }, "name"],
    ["name.family_name", { name: { formatted: "", givenName: "", familyName: "Y" } }, "name"],
    ["active", { active: false }, "active"],
  ];

  it("R6: an administrator's edit of a mapped attribute of a SCIM user is FAILED_PRECONDITION SCIM_MAPPED_ATTRIBUTE naming it; nothing changes", async () => {
    const user = await create(scim(), fullUser());
    const before = await userRow(h.db, user.id);
    for (const [path, value, attribute] of mapped) {
      for (const actor of [admin(), as(supportActor)]) {
        const error = await rejection(update(actor, { id: user.id, ...value }, [path]));
        expect(error.code, path).toBe(Code.FailedPrecondition);
        expect(reasonOf(error), path).toBe("SCIM_MAPPED_ATTRIBUTE");
        expect(errorMetadataOf(error).field, path).toBe(attribute);
        expect(error.rawMessage, path).toContain(attribute);
        expect(error.rawMessage, path).toMatch(/identity provider/);
      }
    }
    expect(await userRow(h.db, user.id)).toEqual(before);
    expect(await auditActions(h.db, user.id)).toEqual(["user.created"]);
  });

  it("R6: a mixed edit naming a mapped attribute is refused as a whole", async () => {
    const user = await create(scim(), fullUser());
    const error = await rejection(
      update(admin(), { id: user.id, locale: "de-DE", title: "Boss" }, ["locale", "title"]),
    );
    expect(reasonOf(error)).toBe("SCIM_MAPPED_ATTRIBUTE");
    expect(await userRow(h.db, user.id)).toMatchObject({ locale: null, title: "Crisis Lead" });
  });

  it("R6: attributes SCIM does not map (locale, role, custom_attributes) are always editable by an administrator", async () => {
    const user = await create(scim(), fullUser());
    const { user: updated } = await update(
      admin(),
      { id: user.id, locale: "fi-FI", role: UserRole.ADMIN, customAttributes: { team: "north" } },
      ["locale", "role", "custom_attributes"],
    );
    expect(updated).toMatchObject({ locale: "fi-FI", role: UserRole.ADMIN, managedBy: ManagedBy.SCIM });
    expect(await userRow(h.db, user.id)).toMatchObject({
      locale: "fi-FI",
      role: "ADMIN",
      custom_attributes: { team: "north" },
      managed_by: "SCIM",
    });
    expect(await auditActions(h.db, user.id)).toEqual(["user.created", "user.updated"]);
  });

  it("R6: with override_scim_lock the edit applies, is audited as user.scim_lock_overridden, and the next IdP write overwrites it", async () => {
    const user = await create(scim(), fullUser());
    const { user: overridden } = await update(
      admin(),
      { id: user.id, displayName: "Admin Says", title: "Admin Title" },
      ["display_name", "title"],
      { overrideScimLock: true },
    );
    expect(overridden).toMatchObject({
      displayName: "Admin Says",
      title: "Admin Title",
      managedBy: ManagedBy.SCIM,
    });
    expect(await userRow(h.db, user.id)).toMatchObject({ display_name: "Admin Says", title: "Admin Title" });
    const { rows } = await h.db.query(
      "select actor_id, actor_role, after from identity.audit_event where target_id = $1 and action = 'user.scim_lock_overridden'",
      [user.id],
    );
    expect(rows).toEqual([
      {
        actor_id: adminActor(tenantId).id,
        actor_role: "ADMIN",
        after: { fields: ["displayName", "title"] },
      },
    ]);
    expect(await auditActions(h.db, user.id)).toEqual([
      "user.created",
      "user.scim_lock_overridden",
      "user.updated",
    ]);

    await update(scim(), { id: user.id, displayName: "IdP Says" }, ["display_name"]);
    expect(await userRow(h.db, user.id)).toMatchObject({ display_name: "IdP Says", title: "Admin Title" });
    await update(scim(), { id: user.id, userName: user.userName, title: "IdP Title" }, ["*"]);
    expect(await userRow(h.db, user.id)).toMatchObject({ title: "IdP Title" });
  });

  it("R6: an administrator edits every attribute of a manual user without override", async () => {
    const user = await create(admin(), { userName: unique("manual") });
    await update(admin(), { id: user.id, displayName: "Manual Edit", title: "Ops" }, [
      "display_name",
      "title",
    ]);
    expect(await userRow(h.db, user.id)).toMatchObject({
      display_name: "Manual Edit",
      title: "Ops",
      managed_by: "MANUAL",
    });
  });
});

describe("R12 adoption", () => {
  const userNameEq = (value: string) => ({
    expression: {
      case: "condition" as const,
      value: {
        field: UserField.USER_NAME,
        operator: FilterOperator.EQUAL,
        value: { kind: { case: "stringValue" as const, value } },
      },
    },
  });

  it("R12: manual users are visible to SCIM reads and filters, and reading adopts nothing", async () => {
    const manual = await create(admin(), { userName: unique("visible") });
    const { user } = await h.users.getUser({ tenantId, userId: manual.id }, scim());
    expect(user).toMatchObject({ id: manual.id, managedBy: ManagedBy.MANUAL });
    const found = await h.users.listUsers(
      { tenantId, filter: userNameEq(manual.userName.toUpperCase()), pageSize: 10 },
      scim(),
    );
    expect(found.users.map((u) => u.id)).toEqual([manual.id]);
    const all = await h.users.listUsers({ tenantId, pageSize: 1000 }, scim());
    expect(all.users.map((u) => u.id)).toContain(manual.id);
    expect(await userRow(h.db, manual.id)).toMatchObject({ managed_by: "MANUAL" });
    expect(await auditActions(h.db, manual.id)).toEqual(["user.created"]);
  });

  it("R12: the first IdP UpdateUser adopts a manual user (managedBy SCIM, audited before the update) and then applies", async () => {
    const manual = await create(admin(), { userName: unique("adopt-update"), title: "Old" });
    const { user } = await update(scim(), { id: manual.id, title: "New" }, ["title"]);
    expect(user).toMatchObject({ managedBy: ManagedBy.SCIM, title: "New" });
    expect(await userRow(h.db, manual.id)).toMatchObject({ managed_by: "SCIM", title: "New" });
    expect(await auditActions(h.db, manual.id)).toEqual(["user.created", "user.adopted", "user.updated"]);
    const { rows } = await h.db.query(
      "select actor_role, before, after from identity.audit_event where target_id = $1 and action = 'user.adopted'",
      [manual.id],
    );
    expect(rows).toEqual([
      { actor_role: "SCIM", before: { managedBy: "MANUAL" }, after: { managedBy: "SCIM" } },
    ]);
    // Adopted: from now on its mapped attributes are locked for administrators (R6).
    const error = await rejection(update(admin(), { id: manual.id, title: "Admin" }, ["title"]));
    expect(reasonOf(error)).toBe("SCIM_MAPPED_ATTRIBUTE");
  });

  it("R12: an IdP group add adopts a manual user", async () => {
    const manual = await create(admin(), { userName: unique("adopt-group") });
    const { group } = await h.groups.createGroup(
      { tenantId, group: { displayName: `Adopting ${++counter}` }, memberUserIds: [manual.id] },
      scim(),
    );
    expect(await userRow(h.db, manual.id)).toMatchObject({ managed_by: "SCIM", state: "PROVISIONED" });
    expect(await auditActions(h.db, manual.id)).toEqual(["user.created", "user.adopted"]);
    expect(await membershipsOf(h.db, manual.id)).toEqual([`${group?.id} SCIM ACTIVE`]);
  });

  it("R12: a SCIM create with the userName of an existing manual user is ALREADY_EXISTS USER_NAME_TAKEN and adopts nothing", async () => {
    const manual = await create(admin(), { userName: unique("taken") });
    const error = await rejection(
      h.users.createUser({ tenantId, user: { userName: manual.userName.toUpperCase() } }, scim()),
    );
    expect(error.code).toBe(Code.AlreadyExists);
    expect(reasonOf(error)).toBe("USER_NAME_TAKEN");
    expect(await userRow(h.db, manual.id)).toMatchObject({ managed_by: "MANUAL" });
    const { rows } = await h.db.query(
      "select count(*)::int as n from identity.app_user where tenant_id = $1 and lower(user_name) = lower($2)",
      [tenantId, manual.userName],
    );
    expect(rows[0].n).toBe(1);
  });
});

describe("R1 on update", () => {
  it("R1: renaming to an existing userName, in any case, is ALREADY_EXISTS USER_NAME_TAKEN and changes nothing", async () => {
    const taken = await create(scim(), { userName: unique("Existing") });
    const user = await create(scim(), { userName: unique("renamer") });
    const before = await userRow(h.db, user.id);
    for (const userName of [
      taken.userName,
      taken.userName.toUpperCase(),
      ` ${taken.userName.toLowerCase()} `,
    ]) {
      const error = await rejection(update(scim(), { id: user.id, userName }, ["user_name"]));
      expect(error.code).toBe(Code.AlreadyExists);
      expect(reasonOf(error)).toBe("USER_NAME_TAKEN");
    }
    const put = await rejection(
      update(scim(), { id: user.id, userName: taken.userName.toUpperCase(), displayName: "X" }, ["*"]),
    );
    expect(reasonOf(put)).toBe("USER_NAME_TAKEN");
    expect(await userRow(h.db, user.id)).toEqual(before);
  });

  it("R1: a user may change the case of its own userName", async () => {
    const user = await create(scim(), { userName: unique("casey") });
    const { user: renamed } = await update(scim(), { id: user.id, userName: user.userName.toUpperCase() }, [
      "user_name",
    ]);
    expect(renamed?.userName).toBe(user.userName.toUpperCase());
  });

  it("R1: an update or PUT without userName is INVALID_ARGUMENT USER_NAME_REQUIRED", async () => {
    const user = await create(scim(), { userName: unique("required") });
    for (const paths of [["user_name"], ["*"]]) {
      const error = await rejection(update(scim(), { id: user.id, userName: "  ", displayName: "X" }, paths));
      expect(error.code).toBe(Code.InvalidArgument);
      expect(reasonOf(error)).toBe("USER_NAME_REQUIRED");
    }
    expect(await userRow(h.db, user.id)).toMatchObject({ user_name: user.userName });
  });

  it("R1: a stale etag is ABORTED ETAG_MISMATCH and changes nothing; the current etag applies", async () => {
    const user = await create(scim(), { userName: unique("etag") });
    const { user: first } = await update(scim(), { id: user.id, title: "One" }, ["title"], {
      etag: user.etag,
    });
    expect(first?.etag).not.toBe(user.etag);
    const error = await rejection(
      update(scim(), { id: user.id, title: "Two" }, ["title"], { etag: user.etag }),
    );
    expect(error.code).toBe(Code.Aborted);
    expect(reasonOf(error)).toBe("ETAG_MISMATCH");
    expect(await userRow(h.db, user.id)).toMatchObject({ title: "One", version: Number(first?.etag) });
    const stale = await rejection(h.users.deleteUser({ tenantId, userId: user.id, etag: user.etag }, scim()));
    expect(reasonOf(stale)).toBe("ETAG_MISMATCH");
    expect(await userRow(h.db, user.id)).toBeDefined();
  });

  it("R1: of two concurrent updates with the same etag exactly one wins", async () => {
    const user = await create(scim(), { userName: unique("race") });
    for (let round = 0; round < 5; round++) {
      const { user: current } = await h.users.getUser({ tenantId, userId: user.id }, scim());
      const results = await Promise.allSettled(
        ["A", "B"].map((title) =>
          update(scim(), { id: user.id, title: `${title}${round}` }, ["title"], {
            etag: current?.etag ?? "",
          }),
        ),
      );
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r) => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(reasonOf((lost[0] as PromiseRejectedResult).reason)).toBe("ETAG_MISMATCH");
      const winner = (won[0] as PromiseFulfilledResult<{ user?: User }>).value.user;
      expect(await userRow(h.db, user.id)).toMatchObject({
        title: winner?.title,
        version: Number(current?.etag) + 1,
      });
    }
  });

  it("R1: two concurrent renames to one free userName: exactly one wins", async () => {
    const a = await create(scim(), { userName: unique("rename-a") });
    const b = await create(scim(), { userName: unique("rename-b") });
    const target = unique("wanted");
    const results = await Promise.allSettled(
      [a, b].map((u) => update(scim(), { id: u.id, userName: target }, ["user_name"])),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(reasonOf(failed.reason)).toBe("USER_NAME_TAKEN");
  });
});
