import { readFile } from "node:fs/promises";
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  type ImportAccountSchema,
  type ImportBatchResponse,
  type ImportGroupSchema,
  type ImportMembershipSchema,
  type ImportUserSchema,
  type PlanImportResponse,
  PlanImportResponseSchema,
} from "@cosafe/proto/identity";
import { parseCount, stringOption, UsageError } from "../args.js";
import type { Command, CommandContext, CommandGroup } from "../command.js";
import { CommandFailure } from "../errors.js";
import { getTenant, messageJson, tenantArg } from "./shared.js";

const words = ["import"];

/** Deadline of one ImportBatch call: a batch takes a seat per new user before it writes. */
const BATCH_TIMEOUT_MS = 300_000;

type Json = Record<string, unknown>;

/** The file, checked and turned into request messages (docs/import-format.md). */
export interface ImportFile {
  accounts: MessageInitShape<typeof ImportAccountSchema>[];
  users: MessageInitShape<typeof ImportUserSchema>[];
  groups: MessageInitShape<typeof ImportGroupSchema>[];
  memberships: MessageInitShape<typeof ImportMembershipSchema>[];
}

function fail(message: string): never {
  throw new UsageError(`import file: ${message}`, words);
}

function str(item: Json, key: string, where: string, required = false): string {
  const value = item[key];
  if (value === undefined || value === null) {
    if (required) fail(`${where}.${key} is required`);
    return "";
  }
  if (typeof value !== "string") fail(`${where}.${key} must be a string`);
  return value;
}

function list(doc: Json, key: string): Json[] {
  const value = doc[key];
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(`"${key}" must be an array`);
  return value.map((item, i) => {
    if (typeof item !== "object" || item === null || Array.isArray(item))
      fail(`${key}[${i}] must be an object`);
    return item as Json;
  });
}

function strings(item: Json, key: string, where: string): string[] {
  const value = item[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string"))
    fail(`${where}.${key} must be an array of strings`);
  return value as string[];
}

function typed(item: Json, key: string, where: string) {
  return list(item, key).map((v, i) => ({
    value: str(v, "value", `${where}.${key}[${i}]`, true),
    type: str(v, "type", `${where}.${key}[${i}]`),
    primary: v.primary === true,
  }));
}

/** Parses and checks the shape of an import file; ids and references are checked by identity-core. */
export function parseImportFile(text: string): ImportFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    fail(`not valid JSON (${(error as Error).message})`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) fail("must be a JSON object");
  const root = doc as Json;
  if (root.version !== undefined && root.version !== 1)
    fail(`unsupported version ${String(root.version)} (expected 1)`);
  const accounts = list(root, "accounts").map((a, i) => ({
    id: str(a, "id", `accounts[${i}]`, true),
    parentAccountId: str(a, "parentId", `accounts[${i}]`),
    displayName: str(a, "displayName", `accounts[${i}]`, true),
  }));
  const users = list(root, "users").map((u, i) => {
    const where = `users[${i}]`;
    if (u.active !== undefined && typeof u.active !== "boolean")
      fail(`${where}.active must be true or false`);
    const name = u.name;
    if (name !== undefined && (typeof name !== "object" || name === null))
      fail(`${where}.name must be an object`);
    return {
      id: str(u, "id", where, true),
      userName: str(u, "userName", where, true),
      displayName: str(u, "displayName", where),
      externalId: str(u, "externalId", where),
      title: str(u, "title", where),
      ...(typeof u.active === "boolean" ? { active: u.active } : {}),
      ...(name
        ? {
            name: {
              formatted: str(name as Json, "formatted", `${where}.name`),
              givenName: str(name as Json, "givenName", `${where}.name`),
              familyName: str(name as Json, "familyName", `${where}.name`),
            },
          }
        : {}),
      emails: typed(u, "emails", where),
      phoneNumbers: typed(u, "phoneNumbers", where),
      locale: str(u, "locale", where),
      role: str(u, "role", where),
      accountIds: strings(u, "accountIds", where),
    };
  });
  const groups = list(root, "groups").map((g, i) => ({
    id: str(g, "id", `groups[${i}]`, true),
    displayName: str(g, "displayName", `groups[${i}]`),
    externalId: str(g, "externalId", `groups[${i}]`),
    accountId: str(g, "accountId", `groups[${i}]`),
  }));
  const memberships = list(root, "memberships").map((m, i) => ({
    groupId: str(m, "groupId", `memberships[${i}]`, true),
    userId: str(m, "userId", `memberships[${i}]`, true),
  }));
  return { accounts: parentsFirst(accounts), users, groups, memberships };
}

/** Accounts with every parent from the file before its children (stable otherwise). */
function parentsFirst<T extends { id?: string | undefined; parentAccountId?: string | undefined }>(
  accounts: T[],
): T[] {
  const byId = new Map(accounts.map((a) => [a.id?.toLowerCase(), a]));
  const done = new Set<T>();
  const out: T[] = [];
  const visit = (a: T, path: Set<T>) => {
    if (done.has(a) || path.has(a)) return;
    path.add(a);
    const parent = byId.get(a.parentAccountId?.toLowerCase());
    if (parent) visit(parent, path);
    done.add(a);
    out.push(a);
  };
  for (const a of accounts) visit(a, new Set());
  return out;
}

type Batch = Pick<ImportFile, "accounts" | "users" | "groups" | "memberships">;

/** Slices the import into batches of at most `size` items: accounts, users, groups, memberships. */
export function batchesOf(file: ImportFile, size: number): Batch[] {
  const items = [
    ...file.accounts.map((v) => ["accounts", v] as const),
    ...file.users.map((v) => ["users", v] as const),
    ...file.groups.map((v) => ["groups", v] as const),
    ...file.memberships.map((v) => ["memberships", v] as const),
  ];
  const batches: Batch[] = [];
  for (let i = 0; i < items.length; i += size) {
    const batch: Batch = { accounts: [], users: [], groups: [], memberships: [] };
    for (const [kind, value] of items.slice(i, i + size)) (batch[kind] as unknown[]).push(value);
    batches.push(batch);
  }
  return batches;
}

const kinds = ["accounts", "users", "groups", "memberships", "accountMemberships"] as const;
type Kind = (typeof kinds)[number];
type Summary = Record<Kind, { created: number; unchanged: number }> & {
  membershipsSkipped: number;
  seatsTaken: number;
};

function addUp(summary: Summary, batch: ImportBatchResponse): void {
  for (const kind of kinds) {
    summary[kind].created += batch[kind]?.created ?? 0;
    summary[kind].unchanged += batch[kind]?.unchanged ?? 0;
  }
  summary.membershipsSkipped += batch.membershipsSkipped;
  summary.seatsTaken += batch.seatsTaken;
}

function printPlan(ctx: CommandContext, plan: PlanImportResponse, file: ImportFile): void {
  ctx.out.fields([
    ["accounts", `${plan.accountsNew} new, ${plan.accountsExisting} existing`],
    ["users", `${plan.usersNew} new, ${plan.usersExisting} existing`],
    ["groups", `${plan.groupsNew} new, ${plan.groupsExisting} existing`],
    ["memberships", `${file.memberships.length} in the file`],
    [
      "seats",
      plan.seatsMetered
        ? `${plan.seatsNeeded} needed, ${plan.seatsFree} free (${plan.seatsInUse} of ${plan.seatLimit} in use)`
        : `${plan.seatsNeeded} needed (seats are not metered)`,
    ],
    ["conflicts", String(plan.conflictCount)],
  ]);
  if (plan.conflicts.length > 0) {
    ctx.out.line();
    ctx.out.table(
      [
        { header: "KIND", value: (c) => c.kind },
        { header: "ID", value: (c) => c.id },
        { header: "CONFLICT", value: (c) => c.conflict },
        { header: "DETAIL", value: (c) => c.message },
      ],
      plan.conflicts,
      "",
    );
    if (plan.conflictCount > plan.conflicts.length)
      ctx.out.line(`… and ${plan.conflictCount - plan.conflicts.length} more`);
  }
}

function refusal(plan: PlanImportResponse): string | undefined {
  const reasons: string[] = [];
  if (plan.conflictCount > 0) reasons.push(`${plan.conflictCount} conflict(s) with stored data`);
  if (plan.seatsMetered && plan.seatsNeeded > plan.seatsFree) {
    reasons.push(
      `the licence would be exceeded: ${plan.seatsNeeded} seat(s) needed, ${plan.seatsFree} free ` +
        `(${plan.seatsInUse} of ${plan.seatLimit} in use); raise it with \`cosafe seats set-limit\``,
    );
  }
  if (reasons.length === 0 && !plan.importable) reasons.push("identity-core says it cannot be imported");
  return reasons.length > 0 ? `import refused, nothing was written: ${reasons.join("; ")}` : undefined;
}

const importCommand: Command = {
  words,
  summary: "import existing Cosafe accounts, users, groups and memberships from a JSON file",
  description:
    "Keeps the ids of the file; everything is MANUAL and every provisioned user takes a seat.\n" +
    "Plans first and refuses, writing nothing, when an id or userName conflicts with stored data\n" +
    "or the licence would be exceeded; then imports in batches (each batch all or nothing).\n" +
    "Running the same import again changes nothing. Format: docs/import-format.md.",
  positionals: [tenantArg, { name: "file", description: "the import file (JSON)" }],
  options: [
    {
      name: "batch-size",
      type: "string",
      value: "N",
      description: "items per batch, each batch one transaction (default 1000, at most 5000)",
    },
    { name: "dry-run", type: "boolean", description: "plan and report only; write nothing" },
  ],
  examples: [
    "cosafe import <tenant> acme.json --dry-run",
    "cosafe import <tenant> acme.json --batch-size 500",
  ],
  async run(ctx, { positionals, options }) {
    const [tenantId, path] = positionals as [string, string];
    const sizeText = stringOption(options, "batch-size");
    const batchSize = sizeText === undefined ? 1000 : parseCount(sizeText, "--batch-size", words, 5000);
    if (batchSize < 1) throw new UsageError("--batch-size must be at least 1", words);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new UsageError(`cannot read ${path}: ${(error as Error).message}`, words);
    }
    const file = parseImportFile(text);
    const tenant = await getTenant(ctx, tenantId);

    const plan = await ctx.clients.imports.planImport(
      { tenantId, accounts: file.accounts, users: file.users, groups: file.groups },
      ctx.call,
    );
    const refused = refusal(plan);
    const dryRun = options["dry-run"] === true;
    if (refused || dryRun) {
      ctx.out.result({ tenantId, plan: messageJson(PlanImportResponseSchema, plan), imported: false }, () =>
        printPlan(ctx, plan, file),
      );
      if (refused) throw new CommandFailure(refused);
      ctx.out.note("dry run: nothing was written");
      return;
    }
    if (!ctx.out.json) ctx.out.note(`Importing into ${tenant.displayName} (${tenant.id})…`);

    const batches = batchesOf(file, batchSize);
    const total = batches.reduce(
      (n, b) => n + b.accounts.length + b.users.length + b.groups.length + b.memberships.length,
      0,
    );
    const summary: Summary = {
      accounts: { created: 0, unchanged: 0 },
      users: { created: 0, unchanged: 0 },
      groups: { created: 0, unchanged: 0 },
      memberships: { created: 0, unchanged: 0 },
      accountMemberships: { created: 0, unchanged: 0 },
      membershipsSkipped: 0,
      seatsTaken: 0,
    };
    const progress = ctx.out.progress("importing");
    let done = 0;
    progress.update(0, total);
    for (const [n, batch] of batches.entries()) {
      try {
        addUp(
          summary,
          await ctx.clients.imports.importBatch(
            { tenantId, ...batch },
            { ...ctx.call, timeoutMs: BATCH_TIMEOUT_MS },
          ),
        );
      } catch (error) {
        progress.end();
        ctx.out.note(
          `batch ${n + 1} of ${batches.length} failed and wrote nothing; batches 1–${n} are stored. ` +
            "Running the same import again carries on (stored items are left unchanged).",
        );
        throw error;
      }
      done += batch.accounts.length + batch.users.length + batch.groups.length + batch.memberships.length;
      progress.update(done, total);
    }
    progress.end();

    ctx.out.result(
      { tenantId, plan: messageJson(PlanImportResponseSchema, plan), imported: true, summary },
      () => {
        ctx.out.line(
          `Imported ${path} into ${tenant.displayName} (${tenant.id}) in ${batches.length} batch(es).`,
        );
        ctx.out.table(
          [
            { header: "KIND", value: (r) => r.kind },
            { header: "CREATED", value: (r) => String(r.created) },
            { header: "UNCHANGED", value: (r) => String(r.unchanged) },
          ],
          [
            { kind: "accounts", ...summary.accounts },
            { kind: "users", ...summary.users },
            { kind: "groups", ...summary.groups },
            { kind: "memberships", ...summary.memberships },
            { kind: "account memberships", ...summary.accountMemberships },
          ],
          "",
        );
        ctx.out.fields([
          ["seats taken", String(summary.seatsTaken)],
          ["memberships skipped", `${summary.membershipsSkipped} (user deprovisioned)`],
        ]);
      },
    );
  },
};

export const importCommands: CommandGroup = {
  name: "import",
  summary: "import existing Cosafe data from a JSON file",
  commands: [importCommand],
};
