import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { patchOp, uniqueName, userBody } from "./scim-http.js";
import { type RunningStack, startRunningStack, support } from "./stack-harness.js";

/**
 * Issue 15, fault semantics: licensing paused (SIGSTOP) or killed in the middle of a burst of
 * SCIM creates, deactivations, deletions and re-activations through the facade. Afterwards
 * every answer must match what was stored — a 2xx happened, a 503 committed nothing — and
 * seats must equal provisioned users within 30 s of licensing answering again, without
 * waiting for reconciliation's grace period (docs/adr/0013-seat-release-outbox.md).
 */
let s: RunningStack;

beforeAll(async () => {
  s = await startRunningStack();
});

afterAll(async () => {
  await s?.stop();
});

type Kind = "create" | "deactivate" | "delete" | "reactivate";

interface Outcome {
  kind: Kind;
  /** The user's id (creates: filled from a 201). */
  userId: string;
  userName: string;
  status: number;
  retryAfter: string | null;
  /** Sent while licensing was paused or down. */
  duringFault: boolean;
}

/** One SCIM request; unlike ScimHttp it expects 503s and reports them. */
async function send(tenant: { token: string }, method: string, path: string, body?: unknown) {
  const res = await fetch(`${s.scim}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${tenant.token}`,
      ...(body === undefined ? {} : { "content-type": "application/scim+json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    retryAfter: res.headers.get("retry-after"),
    json: text ? JSON.parse(text) : {},
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs tasks with at most `width` in flight. */
async function pool<T>(tasks: (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await (tasks[i] as () => Promise<T>)();
      }
    }),
  );
  return results;
}

/** Provisioned users with their stored seat ids, next to licensing's seats (both over gRPC). */
async function agreement(tenantId: string) {
  const { users } = await s.users.listUsers({ tenantId, pageSize: 1000 }, support);
  const { seats } = await s.licensing.listSeats({ tenantId, pageSize: 10_000 }, support);
  const provisioned = users
    .filter((u) => u.active)
    .map((u) => `${u.id}:${u.seatId}`)
    .sort();
  const held = seats.map((seat) => `${seat.userId}:${seat.id}`).sort();
  return { provisioned, held };
}

/** Polls until seats equal provisioned users (each holding the seat it stores); answers the seconds it took. */
async function seatsSettle(tenantId: string, withinMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const { provisioned, held } = await agreement(tenantId);
    if (provisioned.every((p) => !p.endsWith(":")) && JSON.stringify(provisioned) === JSON.stringify(held))
      return (Date.now() - started) / 1000;
    if (Date.now() - started > withinMs) {
      expect(held, "licensing's seats equal the provisioned users and their stored seat ids").toEqual(
        provisioned,
      );
      return withinMs / 1000;
    }
    await sleep(500);
  }
}

async function faultBurst(fault: { begin: () => Promise<void>; end: () => Promise<void> }) {
  const tenant = await s.newTenant(`Faults ${uniqueName("t")}`, 1000);
  // The mass-deprovision brake would (rightly) hold a burst like this one: out of the way.
  await s.deprovisionBrakes.updateDeprovisionBrake(
    { tenantId: tenant.tenantId, settings: { percent: 100, minimum: 100_000, windowSeconds: 3600 } },
    support,
  );
  const make = async (prefix: string) => {
    const res = await send(tenant, "POST", "/Users", userBody(uniqueName(prefix)));
    expect(res.status).toBe(201);
    return { id: res.json.id as string, userName: res.json.userName as string };
  };
  const perKind = 16;
  const toDeactivate = await Promise.all(Array.from({ length: perKind }, () => make("deact")));
  const toDelete = await Promise.all(Array.from({ length: perKind }, () => make("del")));
  const toReactivate = await Promise.all(Array.from({ length: perKind }, () => make("react")));
  for (const user of toReactivate) {
    const res = await send(
      tenant,
      "PATCH",
      `/Users/${user.id}`,
      patchOp({ op: "replace", path: "active", value: false }),
    );
    expect(res.status).toBe(200);
  }

  let inFault = false;
  const op =
    (kind: Kind, user: { id: string; userName: string } | undefined) => async (): Promise<Outcome> => {
      const duringFault = inFault;
      const userName = user?.userName ?? uniqueName("new");
      let res: Awaited<ReturnType<typeof send>>;
      if (kind === "create") res = await send(tenant, "POST", "/Users", userBody(userName));
      else if (kind === "delete") res = await send(tenant, "DELETE", `/Users/${user?.id}`);
      else
        res = await send(
          tenant,
          "PATCH",
          `/Users/${user?.id}`,
          patchOp({ op: "replace", path: "active", value: kind === "reactivate" }),
        );
      return {
        kind,
        userId: user?.id ?? (res.json.id as string | undefined) ?? "",
        userName,
        status: res.status,
        retryAfter: res.retryAfter,
        duringFault,
      };
    };
  // Interleaved: each user is the target of exactly one request of the burst.
  const tasks: (() => Promise<Outcome>)[] = [];
  for (let i = 0; i < perKind; i++)
    tasks.push(
      op("create", undefined),
      op("deactivate", toDeactivate[i]),
      op("delete", toDelete[i]),
      op("reactivate", toReactivate[i]),
    );
  const first = tasks.slice(0, 16);
  const middle = tasks.slice(16, 48);
  const last = tasks.slice(48);
  const outcomes = [...(await pool(first, 4))];
  await fault.begin();
  inFault = true;
  outcomes.push(...(await pool(middle, 8)));
  inFault = false;
  await fault.end();
  const back = Date.now();
  outcomes.push(...(await pool(last, 4)));

  // Statuses: deprovisionings always succeed; creates and re-activations succeed or answer
  // 503 + Retry-After; nothing else.
  for (const o of outcomes) {
    if (o.kind === "deactivate") expect(o.status, `${o.kind} ${o.userName}`).toBe(200);
    else if (o.kind === "delete") expect(o.status, `${o.kind} ${o.userName}`).toBe(204);
    else if (o.status === 503) expect(o.retryAfter, `${o.kind} ${o.userName}: Retry-After`).toBeTruthy();
    else expect(o.status, `${o.kind} ${o.userName}`).toBe(o.kind === "create" ? 201 : 200);
  }
  const refused = outcomes.filter((o) => o.status === 503);
  expect(refused.length, "the fault made some creates or re-activations answer 503").toBeGreaterThan(0);
  expect(refused.every((o) => o.duringFault)).toBe(true);
  expect(
    outcomes.filter((o) => o.duringFault && (o.kind === "deactivate" || o.kind === "delete")).length,
  ).toBeGreaterThan(0);

  // Stored state, read after the fault: each answer is what happened.
  const seconds = await seatsSettle(tenant.tenantId, 30_000);
  for (const o of outcomes) {
    const where = `${o.kind} ${o.userName} answered ${o.status}`;
    if (o.kind === "create") {
      const found = await send(
        tenant,
        "GET",
        `/Users?filter=${encodeURIComponent(`userName eq "${o.userName}"`)}`,
      );
      expect(found.json.totalResults, where).toBe(o.status === 201 ? 1 : 0);
      if (o.status === 201) expect(found.json.Resources[0].active, where).toBe(true);
    } else if (o.kind === "delete") {
      expect((await send(tenant, "GET", `/Users/${o.userId}`)).status, where).toBe(404);
    } else {
      const read = await send(tenant, "GET", `/Users/${o.userId}`);
      expect(read.status, where).toBe(200);
      const expected = o.kind === "deactivate" ? false : o.status === 200;
      expect(read.json.active, where).toBe(expected);
    }
  }
  return { seconds, refused: refused.length, sinceBackSeconds: (Date.now() - back) / 1000 };
}

function licensingProcess() {
  const process = s.stack.services.find((p) => p.name === "licensing");
  if (!process) throw new Error("no licensing process");
  return process;
}

describe("issue 15: licensing faults during a burst of SCIM writes", () => {
  it("R9/R19: licensing paused (SIGSTOP) mid-burst: deprovisionings answer 2xx and commit, a 503 commits nothing, and seats equal provisioned users within 30 s of SIGCONT", async () => {
    const { pid } = licensingProcess();
    const result = await faultBurst({
      begin: async () => {
        process.kill(pid, "SIGSTOP");
      },
      end: async () => {
        process.kill(pid, "SIGCONT");
      },
    });
    expect(result.seconds).toBeLessThanOrEqual(30);
  }, 240_000);

  it("R9/R19: licensing killed (SIGKILL) mid-burst and started again: the same holds", async () => {
    const result = await faultBurst({
      begin: async () => {
        await s.killLicensing();
      },
      end: async () => {
        await s.restartLicensing();
      },
    });
    expect(result.seconds).toBeLessThanOrEqual(30);
  }, 240_000);
});
