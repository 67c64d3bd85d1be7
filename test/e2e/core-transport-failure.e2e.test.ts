import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userBody } from "./scim-http.js";
import { type RunningStack, startRunningStack } from "./stack-harness.js";

/**
 * Issue 15: a status means what happened when identity-core is unreachable. identity-core runs
 * as its own child process (dev-stack); the test pauses it (SIGSTOP: the facade's 10 s deadline)
 * and then kills it (SIGKILL: reset connections, then refused ones) during bursts of creates, and
 * compares every answer with what PostgreSQL holds: every 201 user exists, a transport failure is
 * 503 with Retry-After and never 412, and no answer claims a user was not created that was (4xx).
 */
let s: RunningStack;
let db: pg.Pool;

beforeAll(async () => {
  s = await startRunningStack();
  db = new pg.Pool({ connectionString: s.database.url, max: 2 });
});

afterAll(async () => {
  await db?.end();
  await s?.stop();
});

interface Answer {
  userName: string;
  status: number;
  id?: string;
  retryAfter: string | null;
}

const run = `${Date.now().toString(36)}`;

/** POSTs each userName with `concurrency` requests in flight; `during(done)` runs after each answer. */
async function burst(
  names: string[],
  concurrency: number,
  during: (done: number) => void,
): Promise<Answer[]> {
  const answers: Answer[] = [];
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const userName = names[next++] as string;
      const res = await fetch(`${s.scim}/Users`, {
        method: "POST",
        headers: { authorization: `Bearer ${s.token}`, "content-type": "application/scim+json" },
        body: JSON.stringify(userBody(userName)),
      });
      const body = (await res.json()) as { id?: string };
      answers.push({
        userName,
        status: res.status,
        id: res.status === 201 ? body.id : undefined,
        retryAfter: res.headers.get("retry-after"),
      });
      during(answers.length);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return answers;
}

async function stored(names: string[]): Promise<Map<string, string>> {
  const { rows } = await db.query<{ id: string; user_name: string }>(
    "select id, user_name from identity.app_user where tenant_id = $1 and user_name = any($2)",
    [s.tenantId, names],
  );
  return new Map(rows.map((row) => [row.user_name, row.id]));
}

/** What every answer of a burst must satisfy against the database. */
function expectHonest(answers: Answer[], rows: Map<string, string>) {
  const histogram: Record<number, number> = {};
  for (const answer of answers) histogram[answer.status] = (histogram[answer.status] ?? 0) + 1;
  console.log(`burst answers: ${JSON.stringify(histogram)}`);
  for (const answer of answers) {
    expect([201, 503], `${answer.userName} → ${answer.status}`).toContain(answer.status);
    if (answer.status === 201) expect(rows.get(answer.userName), answer.userName).toBe(answer.id);
    if (answer.status === 503) expect(answer.retryAfter).not.toBeNull();
  }
  // A stored user was answered 201 or 503 (retry: the IdP then finds it), never 4xx.
  for (const name of rows.keys())
    expect(answers.find((a) => a.userName === name)?.status).not.toBeUndefined();
}

describe("transport failure to identity-core → 503 + Retry-After, never 412", () => {
  it("R19/R23: identity-core paused mid-burst: answers are 201 (stored) or 503 (deadline), never 412", async () => {
    const core = s.stack.services.find((service) => service.name === "identity-core");
    if (!core) throw new Error("no identity-core process");
    const names = Array.from({ length: 24 }, (_, i) => `pause-${run}-${i}@e2e.example`);
    let paused = false;
    const answers = await burst(names, 8, (done) => {
      if (done === 4 && !paused) {
        paused = true;
        process.kill(core.pid, "SIGSTOP");
        // Long enough for the facade's 10 s deadline to end the calls in flight.
        setTimeout(() => process.kill(core.pid, "SIGCONT"), 11_000);
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(answers.filter((a) => a.status === 503).length).toBeGreaterThan(0);
    expectHonest(answers, await stored(names));
  }, 90_000);

  it("R19/R23: identity-core killed mid-burst: every 201 user exists, the rest are 503, no 412", async () => {
    const core = s.stack.services.find((service) => service.name === "identity-core");
    if (!core) throw new Error("no identity-core process");
    const names = Array.from({ length: 120 }, (_, i) => `kill-${run}-${i}@e2e.example`);
    let killed = false;
    const answers = await burst(names, 8, (done) => {
      if (done === 30 && !killed) {
        killed = true;
        process.kill(core.pid, "SIGKILL");
      }
    });
    await core.exited;
    expect(answers.filter((a) => a.status === 201).length).toBeGreaterThanOrEqual(30);
    expect(answers.filter((a) => a.status === 503).length).toBeGreaterThan(0);
    expectHonest(answers, await stored(names));
  }, 90_000);
});
