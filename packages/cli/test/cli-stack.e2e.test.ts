import { randomUUID } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { ProvisioningLogService, ProvisioningOutcome } from "@cosafe/proto/identity";
import { actorHeaders, createServiceTransport, systemActor } from "@cosafe/rpc";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "../src/exit-codes.js";
import {
  Capture,
  type CliStack,
  cli,
  parseJson,
  startCliStack,
  supportPerson,
} from "./support/cli-harness.js";
import { bin, spawnCli } from "./support/spawn-cli.js";

let s: CliStack;

beforeAll(async () => {
  s = await startCliStack();
});

afterAll(() => s?.stop());

const scimUser = (userName: string) =>
  JSON.stringify({
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
    userName,
    name: { givenName: "Barbara", familyName: "Jensen" },
  });

function postUser(token: string, userName: string) {
  return fetch(`${s.stack.scimBaseUrl}/Users`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json" },
    body: scimUser(userName),
  });
}

/** Matches `label  value` in key/value output. */
function field(text: string, label: string): string {
  const match = new RegExp(`^\\s*${label}\\s+(\\S+)`, "m").exec(text);
  if (!match?.[1]) throw new Error(`no "${label}" in:\n${text}`);
  return match[1];
}

async function newTenant(name: string): Promise<{ id: string; mainAccountId: string }> {
  const created = parseJson<{ tenant: { id: string; mainAccountId: string } }>(
    await s.cli(["tenant", "create", name, "--json"]),
  );
  return created.tenant;
}

describe("issue 7: the support CLI drives the real stack", () => {
  it("tenant create → token issue → SCIM create works with the printed token → token revoke → 401", async () => {
    const created = await s.cli(["tenant", "create", "Acme Corp"]);
    expect(created.code, created.stderr).toBe(ExitCode.OK);
    const tenantId = /^Created tenant (\S+)$/m.exec(created.stdout)?.[1] as string;
    expect(tenantId).toMatch(/^[0-9a-f-]{36}$/);
    expect(field(created.stdout, "main account")).toMatch(/^[0-9a-f-]{36}$/);

    const limit = await s.cli(["seats", "set-limit", tenantId, "10"]);
    expect(limit.code, limit.stderr).toBe(ExitCode.OK);

    const issued = await s.cli(["token", "issue", tenantId, "--name", "Entra ID", "--expires-in", "90d"]);
    expect(issued.code, issued.stderr).toBe(ExitCode.OK);
    const secret = field(issued.stdout, "secret");
    const tokenId = /^Issued SCIM token (\S+)/m.exec(issued.stdout)?.[1] as string;
    expect(secret).toMatch(/^cosafe_scim_/);
    expect(issued.stdout).toContain("(in 90 days)");
    expect(issued.stderr).toContain("shown only this once");

    const ok = await postUser(secret, "bjensen@acme.test");
    expect(ok.status).toBe(201);

    const revoked = await s.cli(["token", "revoke", tenantId, tokenId]);
    expect(revoked.code, revoked.stderr).toBe(ExitCode.OK);
    expect(revoked.stdout).toContain(`Revoked token ${tokenId}`);

    // The facade caches a token for up to 5 s (R21): poll (reading, so nothing is created
    // meanwhile) a little longer than that, then the same create is refused.
    const deadline = Date.now() + 7_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (
        await fetch(`${s.stack.scimBaseUrl}/Users?count=1`, {
          headers: { authorization: `Bearer ${secret}` },
        })
      ).status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(401);
    expect((await postUser(secret, "after-revoke@acme.test")).status).toBe(401);

    // R22: both token changes are audited with the support person as actor.
    const audit = parseJson<{ events: { action: string; actor: { id: string; role: string } }[] }>(
      await s.cli(["audit", tenantId, "--target", tokenId, "--json"]),
    );
    expect(audit.events.map((e) => e.action)).toEqual(["scim_token.issued", "scim_token.revoked"]);
    expect(audit.events[1]?.actor).toMatchObject({ id: supportPerson, role: "ROLE_SUPPORT" });
  });

  it("--json output parses for tenants, accounts and tokens", async () => {
    const tenant = await newTenant("Json Corp");
    const list = parseJson<{ tenants: { id: string; displayName: string }[] }>(
      await s.cli(["tenant", "list", "--json"]),
    );
    expect(list.tenants).toContainEqual(expect.objectContaining({ id: tenant.id, displayName: "Json Corp" }));

    const account = parseJson<{ account: { id: string; parentAccountId: string } }>(
      await s.cli(["account", "create", tenant.id, "Berlin", "--json"]),
    ).account;
    expect(account.parentAccountId).toBe(tenant.mainAccountId);
    const child = parseJson<{ account: { id: string; parentAccountId: string } }>(
      await s.cli(["account", "create", tenant.id, "Berlin Ops", "--parent", account.id, "--json"]),
    ).account;
    expect(child.parentAccountId).toBe(account.id);

    const accounts = parseJson<{
      accounts: { id: string }[];
      mainAccountId: string;
      defaultAccountId: string;
    }>(await s.cli(["account", "list", tenant.id, "--json"]));
    expect(accounts.accounts.map((a) => a.id).sort()).toEqual(
      [tenant.mainAccountId, account.id, child.id].sort(),
    );
    expect(accounts.defaultAccountId).toBe(tenant.mainAccountId);

    const tree = await s.cli(["account", "list", tenant.id]);
    expect(tree.stdout).toMatch(/^Json Corp\s+\S+\s+main, default/m);
    expect(tree.stdout).toMatch(/^ {2}Berlin\s/m);
    expect(tree.stdout).toMatch(/^ {4}Berlin Ops\s/m);

    const issued = parseJson<{ token: { id: string; name: string }; secret: string }>(
      await s.cli(["token", "issue", tenant.id, "--json"]),
    );
    expect(issued.secret).toMatch(/^cosafe_scim_/);
    expect(issued.token.name).toContain(supportPerson);
    const tokens = parseJson<{ tokens: { id: string; status: string; expiresSoon: boolean }[] }>(
      await s.cli(["token", "list", tenant.id, "--json"]),
    );
    expect(tokens.tokens).toEqual([
      expect.objectContaining({ id: issued.token.id, status: "active", expiresSoon: false }),
    ]);
  });

  it("tenant set-default-account, then tenant show reports it", async () => {
    const tenant = await newTenant("Default Corp");
    const account = parseJson<{ account: { id: string } }>(
      await s.cli(["account", "create", tenant.id, "Landing zone", "--json"]),
    ).account;
    const set = await s.cli(["tenant", "set-default-account", tenant.id, account.id]);
    expect(set.code, set.stderr).toBe(ExitCode.OK);
    expect(set.stdout).toContain(`is now ${account.id} (Landing zone); was ${tenant.mainAccountId}`);

    const show = await s.cli(["tenant", "show", tenant.id]);
    expect(show.stdout).toMatch(new RegExp(`^default account\\s+${account.id} \\(Landing zone\\)$`, "m"));
    const json = parseJson<{ defaultAccountId: string; tenant: { settings: { defaultAccountId: string } } }>(
      await s.cli(["tenant", "show", tenant.id, "--json"]),
    );
    expect(json.defaultAccountId).toBe(account.id);

    const other = await newTenant("Other Corp");
    const foreign = await s.cli(["tenant", "set-default-account", tenant.id, other.mainAccountId]);
    expect(foreign.code).toBe(ExitCode.FAILURE);
    expect(foreign.stderr).toContain("AccountService.GetAccount: NOT_FOUND");
  });

  it("seats set-limit then seats show; an unknown tenant is an error, not 0 of 0", async () => {
    const tenant = await newTenant("Seat Corp");
    const set = await s.cli(["seats", "set-limit", tenant.id, "250"]);
    expect(set.code, set.stderr).toBe(ExitCode.OK);
    expect(set.stdout).toContain("is now 250 (was 0); 0 seat(s) in use.");

    const show = await s.cli(["seats", "show", tenant.id]);
    expect(show.code).toBe(ExitCode.OK);
    expect(field(show.stdout, "seat limit")).toBe("250");
    expect(field(show.stdout, "seats in use")).toBe("0");
    expect(field(show.stdout, "free")).toBe("250");

    const json = parseJson<{ license: { seatLimit: number; seatsInUse: number }; free: number }>(
      await s.cli(["seats", "show", tenant.id, "--json"]),
    );
    expect(json).toMatchObject({ license: { seatLimit: 250, seatsInUse: 0 }, free: 250 });

    const zero = await s.cli(["seats", "set-limit", tenant.id, "0"]);
    expect(zero.stdout).toContain("is now 0 (was 250)");
    expect((await s.cli(["seats", "show", tenant.id])).stderr).toContain("no seat is free");

    const missing = await s.cli(["seats", "set-limit", randomUUID(), "5"]);
    expect(missing.code).toBe(ExitCode.FAILURE);
    expect(missing.stderr).toContain("TenantService.GetTenant: NOT_FOUND");
  });

  it("R19: seats reconcile repairs a seat lost in a crash and prints what it fixed", async () => {
    const tenant = await newTenant("Reconcile Corp");
    expect((await s.cli(["seats", "set-limit", tenant.id, "10"])).code).toBe(ExitCode.OK);
    const issued = await s.cli(["token", "issue", tenant.id, "--name", "idp"]);
    const secret = field(issued.stdout, "secret");
    const created = (await (await postUser(secret, "lost-seat@acme.test")).json()) as { id: string };
    const clean = await s.cli(["seats", "reconcile", tenant.id]);
    expect(clean.code, clean.stderr).toBe(ExitCode.OK);
    expect(clean.stdout).toContain("nothing to fix");

    // A crash between the services: identity-core lost the seat id it stored.
    const db = new pg.Client({ connectionString: s.databaseUrl });
    await db.connect();
    try {
      await db.query("update identity.app_user set seat_id = null where id = $1", [created.id]);
      const fixed = parseJson<{ reassigned: { userId: string; seatId: string }[]; granted: unknown[] }>(
        await s.cli(["seats", "reconcile", tenant.id, "--json"]),
      );
      expect(fixed.reassigned.map((f) => f.userId)).toEqual([created.id]);
      const { rows } = await db.query("select seat_id from identity.app_user where id = $1", [created.id]);
      expect(rows[0]?.seat_id).toBe(fixed.reassigned[0]?.seatId);
    } finally {
      await db.end();
    }
  });

  it("token list flags tokens that expire within 14 days; revoked ones only with --revoked", async () => {
    const tenant = await newTenant("Token Corp");
    const soon = parseJson<{ token: { id: string } }>(
      await s.cli(["token", "issue", tenant.id, "--name", "soon", "--expires-in", "7d", "--json"]),
    );
    const later = parseJson<{ token: { id: string } }>(
      await s.cli(["token", "issue", tenant.id, "--name", "later", "--expires-in", "90d", "--json"]),
    );
    const gone = parseJson<{ token: { id: string } }>(
      await s.cli(["token", "issue", tenant.id, "--name", "gone", "--json"]),
    );
    expect((await s.cli(["token", "revoke", tenant.id, gone.token.id])).code).toBe(ExitCode.OK);

    const list = await s.cli(["token", "list", tenant.id]);
    expect(list.code).toBe(ExitCode.OK);
    expect(list.stdout).toMatch(new RegExp(`^${soon.token.id}\\s+soon\\s.*EXPIRES SOON$`, "m"));
    expect(list.stdout).toMatch(
      new RegExp(`^${later.token.id}\\s+later\\s.*\\(in 90 days\\)\\s+active$`, "m"),
    );
    expect(list.stdout).not.toContain(gone.token.id);
    expect(list.stderr).toContain("1 token(s) expire within 14 days");

    const all = parseJson<{ tokens: { id: string; status: string }[] }>(
      await s.cli(["token", "list", tenant.id, "--revoked", "--json"]),
    );
    expect(Object.fromEntries(all.tokens.map((t) => [t.id, t.status]))).toEqual({
      [soon.token.id]: "expires-soon",
      [later.token.id]: "active",
      [gone.token.id]: "revoked",
    });

    const unknown = await s.cli(["token", "revoke", tenant.id, randomUUID()]);
    expect(unknown.code).toBe(ExitCode.FAILURE);
    expect(unknown.stderr).toMatch(/ScimTokenService\.RevokeScimToken: NOT_FOUND/);
  });

  it("errors name the gRPC code and reason and exit 1; an unknown tenant is never an empty list", async () => {
    const result = await s.cli(["tenant", "show", randomUUID()]);
    expect(result.code).toBe(ExitCode.FAILURE);
    expect(result.stderr).toMatch(/^error: not found: /m);
    expect(result.stderr).toMatch(
      /identity-core TenantService\.GetTenant: NOT_FOUND, reason [A-Z_]+, request id cli-/,
    );
    for (const argv of [["token", "list"], ["log"], ["audit"], ["account", "list"], ["seats", "show"]]) {
      const unknown = await s.cli([...argv, randomUUID()]);
      expect(unknown.code, argv.join(" ")).toBe(ExitCode.FAILURE);
      expect(unknown.stderr).toContain("TenantService.GetTenant: NOT_FOUND");
      expect(unknown.stdout).toBe("");
    }
  });

  it("a credential the servers do not accept exits 3", async () => {
    const wrong = await cli(["tenant", "list"], {
      ...s.env,
      COSAFE_SERVICE_SECRET: "not-the-right-secret-at-all",
    });
    expect(wrong.code).toBe(ExitCode.UNAVAILABLE);
    expect(wrong.stderr).toContain("rejected the CLI's credentials");
    expect(wrong.stderr).toContain("UNAUTHENTICATED");
  });

  it("the real binary talks to the stack and exits once done", async () => {
    const started = Date.now();
    const result = await spawnCli(
      process.execPath,
      [bin, "tenant", "list", "--json"],
      s.env as Record<string, string>,
    );
    expect(result.code, result.stderr).toBe(ExitCode.OK);
    expect(JSON.parse(result.stdout)).toHaveProperty("tenants");
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("tenant list pages with a progress display on a terminal (stderr only)", async () => {
    await newTenant("Paging Corp 1");
    await newTenant("Paging Corp 2");
    const result = await s.cli(["tenant", "list", "--page-size", "1", "--json"], { tty: true });
    expect(result.code).toBe(ExitCode.OK);
    expect(result.stderr).toMatch(/tenants: 1 of \d+/);
    expect(result.stderr).toMatch(/tenants: 2 of \d+/);
    const { tenants } = JSON.parse(result.stdout) as { tenants: unknown[] };
    expect(result.stderr).toContain(`tenants: ${tenants.length - 1} of ${tenants.length}`);
  });
});

describe("provisioning log and audit", () => {
  let tenantId: string;
  const base = Date.now() - 30 * 60_000;
  const log = () =>
    createClient(
      ProvisioningLogService,
      createServiceTransport({ baseUrl: s.stack.identityCoreUrl, credential: s.stack.credential }),
    );
  const system = { headers: actorHeaders(systemActor("cli-test")) };

  function entry(minutesAfterBase: number, fields: Record<string, unknown>) {
    return {
      id: randomUUID(),
      tenantId,
      requestId: randomUUID(),
      time: timestampFromDate(new Date(base + minutesAfterBase * 60_000)),
      method: "POST",
      path: "/Users",
      resourceType: "User",
      outcome: ProvisioningOutcome.SUCCESS,
      status: 201,
      duration: { seconds: 0n, nanos: 12_000_000 },
      ...fields,
    };
  }

  beforeAll(async () => {
    tenantId = (await newTenant("Log Corp")).id;
    // Written as the SCIM facade writes them, so these tests do not depend on its batching.
    await log().recordProvisioningEntries(
      {
        entries: [
          entry(0, { userName: "alice@log.test", externalId: "ext-alice", resourceId: "u-alice" }),
          entry(5, {
            userName: "bob@log.test",
            outcome: ProvisioningOutcome.LICENSE_REFUSED,
            status: 403,
            detail: "licence limit reached: 10 of 10 seats in use",
          }),
          entry(10, {
            userName: "carol@log.test",
            outcome: ProvisioningOutcome.CLIENT_ERROR,
            status: 400,
            scimType: "invalidValue",
            detail: "userName is required",
            ignoredAttributes: ["addresses"],
          }),
        ],
      },
      system,
    );
  });

  it("log shows entries oldest first with outcome, status and detail", async () => {
    const result = await s.cli(["log", tenantId]);
    expect(result.code, result.stderr).toBe(ExitCode.OK);
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^TIME\s+REQUEST\s+STATUS\s+OUTCOME/);
    expect(lines.slice(1).map((l) => /(alice|bob|carol)@/.exec(l)?.[1])).toEqual(["alice", "bob", "carol"]);
    expect(lines[2]).toMatch(/POST \/Users\s+403\s+license-refused\s+bob@log.test\s+licence limit reached/);
    expect(lines[3]).toContain("invalidValue; userName is required; ignored: addresses; 12 ms");
  });

  it("log filters by outcome, userName, externalId, time and limit", async () => {
    const names = async (...args: string[]) => {
      const json = parseJson<{ entries: { userName: string }[] }>(
        await s.cli(["log", tenantId, ...args, "--json"]),
      );
      return json.entries.map((e) => e.userName);
    };
    expect(await names("--outcome", "license-refused,client-error")).toEqual([
      "bob@log.test",
      "carol@log.test",
    ]);
    expect(await names("--outcome", "license_refused")).toEqual(["bob@log.test"]);
    expect(await names("--user-name", "ALICE@log.test")).toEqual(["alice@log.test"]);
    expect(await names("--external-id", "ext-alice")).toEqual(["alice@log.test"]);
    expect(await names("--resource-id", "u-alice")).toEqual(["alice@log.test"]);
    expect(await names("--since", new Date(base + 4 * 60_000).toISOString())).toEqual([
      "bob@log.test",
      "carol@log.test",
    ]);
    expect(await names("--since", "2h", "--until", new Date(base + 6 * 60_000).toISOString())).toEqual([
      "alice@log.test",
      "bob@log.test",
    ]);
    expect(await names("--limit", "2")).toEqual(["bob@log.test", "carol@log.test"]);
    expect(await names("--since", "1m")).toEqual([]);
  });

  it("log --follow prints entries as they arrive and stops cleanly when interrupted", async () => {
    const controller = new AbortController();
    const stdout = new Capture();
    const running = s.cli(["log", tenantId, "--follow", "--interval", "1s", "--json", "--limit", "1"], {
      signal: controller.signal,
      stdout,
    });
    const waitFor = async (text: string) => {
      const deadline = Date.now() + 15_000;
      while (!stdout.text.includes(text)) {
        if (Date.now() > deadline) throw new Error(`"${text}" never appeared in:\n${stdout.text}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await waitFor("carol@log.test");
    // A late entry (its request arrived a few seconds ago) and a fresh one.
    await log().recordProvisioningEntries(
      {
        entries: [
          {
            ...entry(0, { userName: "dave@log.test" }),
            time: timestampFromDate(new Date(Date.now() - 5_000)),
          },
          { ...entry(0, { userName: "erin@log.test" }), time: timestampFromDate(new Date()) },
        ],
      },
      system,
    );
    await waitFor("erin@log.test");
    await waitFor("dave@log.test");
    controller.abort();
    const result = await running;
    expect(result.code).toBe(ExitCode.OK);
    const users = stdout.text
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { userName: string }).userName);
    expect(users).toEqual(["carol@log.test", "dave@log.test", "erin@log.test"]);
  });

  it("audit lists who changed what, filtered by actor and target type", async () => {
    const tenant = await newTenant("Audit Corp");
    const account = parseJson<{ account: { id: string } }>(
      await s.cli(["account", "create", tenant.id, "Audited", "--json"]),
    ).account;
    await s.cli(["tenant", "set-default-account", tenant.id, account.id]);

    const result = await s.cli(["audit", tenant.id, "--actor", supportPerson, "--since", "10m"]);
    expect(result.code, result.stderr).toBe(ExitCode.OK);
    const actions = result.stdout
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split(/\s{2,}/)[2]);
    expect(actions).toEqual(["tenant.created", "account.created", "tenant.updated"]);
    expect(result.stdout).toContain(`support:${supportPerson}`);

    const tenantEvents = parseJson<{ events: { action: string; after: Record<string, unknown> }[] }>(
      await s.cli(["audit", tenant.id, "--target-type", "tenant", "--json"]),
    );
    expect(tenantEvents.events.map((e) => e.action)).toEqual(["tenant.created", "tenant.updated"]);
    expect(await s.cli(["audit", tenant.id, "--actor", "nobody@cosafe.test"])).toMatchObject({
      code: 0,
      stdout: "(no audit events)\n",
    });
  });
});
