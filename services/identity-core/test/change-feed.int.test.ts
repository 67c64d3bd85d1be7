import { type ChangeEvent, ChangeType } from "@cosafe/proto/identity";
import type { CallActor } from "@cosafe/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminActor, as, supportActor, systemCaller } from "./support/core-harness.js";
import {
  Code,
  expectError,
  type GroupHarness,
  rejection,
  startGroupHarness,
  TenantKit,
} from "./support/group-harness.js";

let h: GroupHarness;

beforeAll(async () => {
  h = await startGroupHarness();
});

afterAll(async () => {
  await h?.close();
});

/**
 * Reads the feed until `count` events arrived or `timeoutMs` passed, then disconnects.
 * The feed only delivers an event once every older transaction of the whole PostgreSQL
 * cluster has finished, so other test files' transactions can delay it: timeouts are generous.
 */
async function collect(options: {
  tenantId: string;
  resumeToken?: string;
  count: number;
  timeoutMs?: number;
  actor?: CallActor;
}): Promise<ChangeEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 20_000);
  const events: ChangeEvent[] = [];
  try {
    for await (const response of h.feed.streamChanges(
      { tenantId: options.tenantId, resumeToken: options.resumeToken ?? "" },
      { ...as(options.actor ?? supportActor), signal: controller.signal },
    )) {
      if (response.event) events.push(response.event);
      if (events.length >= options.count) break;
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

/** The tenant's outbox in delivery order. */
async function outbox(tenantId: string) {
  const { rows } = await h.db.query<{
    id: string;
    type: string;
    user_id: string | null;
    group_id: string | null;
  }>(
    "select id::text, type, user_id, group_id from identity.change_event where tenant_id = $1 order by xid, id",
    [tenantId],
  );
  return rows;
}

const ids = (events: ChangeEvent[]) => events.map((e) => e.id.toString());
const shape = (e: ChangeEvent) => `${ChangeType[e.type]}:${e.userId}:${e.groupId}`;

describe("R22b change feed", () => {
  it("R22b: StreamChanges yields the events written with each change, only the asked tenant's", async () => {
    const t = await TenantKit.create(h);
    const noise = await TenantKit.create(h);
    await noise.scimGroup([await noise.scimUser()]);
    const user = await t.scimUser();
    const group = await t.scimGroup([user]);
    await t.removeMembers(group.id, [user]); // R7: deprovisions
    // A refused change writes no event.
    await rejection(t.addMembers(group.id, ["00000000-0000-4000-8000-00000000dead"]));

    const stored = await outbox(t.tenantId);
    const events = await collect({ tenantId: t.tenantId, count: stored.length });

    expect(ids(events)).toEqual(stored.map((r) => r.id));
    expect(events.every((e) => e.tenantId === t.tenantId)).toBe(true);
    expect(events.map(shape)).toEqual(
      expect.arrayContaining([
        `GROUP_CHANGED::${group.id}`,
        `MEMBERSHIP_CHANGED::${group.id}`,
        `USER_DEPROVISIONED:${user}:`,
      ]),
    );
    expect(events.filter((e) => e.type === ChangeType.MEMBERSHIP_CHANGED)).toHaveLength(2);
    // Nothing more arrives for this tenant.
    const more = await collect({
      tenantId: t.tenantId,
      resumeToken: events.at(-1)?.resumeToken,
      count: 1,
      timeoutMs: 1_000,
    });
    expect(more).toEqual([]);
  });

  it("R22b: a consumer that disconnects and resumes from its last resume_token misses nothing, in order", async () => {
    const t = await TenantKit.create(h);
    for (let i = 0; i < 4; i++) await t.scimGroup([await t.scimUser()]);
    const first = await collect({ tenantId: t.tenantId, count: 5 });
    expect(first).toHaveLength(5);

    // Changes made while the consumer is away, some of them concurrent.
    await Promise.all(Array.from({ length: 6 }, async () => t.scimGroup([await t.scimUser()])));
    const stored = await outbox(t.tenantId);
    const rest = await collect({
      tenantId: t.tenantId,
      resumeToken: first.at(-1)?.resumeToken,
      count: stored.length - first.length,
    });

    expect([...ids(first), ...ids(rest)]).toEqual(stored.map((r) => r.id));
  });

  it("R22b: an event committed late by a slow transaction is still delivered after resuming, before later ones", async () => {
    const t = await TenantKit.create(h);
    const user = await t.scimUser();
    const initial = await outbox(t.tenantId);
    const seen = await collect({ tenantId: t.tenantId, count: initial.length });
    expect(ids(seen)).toEqual(initial.map((r) => r.id));

    // A slow transaction writes its event (and so takes its transaction id) first ...
    const slow = await h.db.connect();
    let slowEventId: string;
    try {
      await slow.query("begin");
      const { rows } = await slow.query<{ id: string }>(
        `insert into identity.change_event (tenant_id, type, user_id) values ($1, 'USER_UPDATED', $2) returning id::text`,
        [t.tenantId, user],
      );
      slowEventId = rows[0]?.id ?? "";
      // ... while a later change commits.
      const group = await t.scimGroup([user]);
      const committed = await outbox(t.tenantId);
      expect(committed.some((r) => r.group_id === group.id)).toBe(true);

      // The consumer must not run ahead of the open transaction: it gets nothing yet.
      const whileOpen = await collect({
        tenantId: t.tenantId,
        resumeToken: seen.at(-1)?.resumeToken,
        count: 100,
        timeoutMs: 1_500,
      });
      expect(whileOpen).toEqual([]);
      await slow.query("commit");
    } catch (error) {
      await slow.query("rollback");
      throw error;
    } finally {
      slow.release();
    }

    const stored = await outbox(t.tenantId);
    const resumed = await collect({
      tenantId: t.tenantId,
      resumeToken: seen.at(-1)?.resumeToken,
      count: stored.length - seen.length,
    });
    expect([...ids(seen), ...ids(resumed)]).toEqual(stored.map((r) => r.id));
    // The slow event comes first: its transaction began before the group's.
    expect(ids(resumed)[0]).toBe(slowEventId);
    expect(Number(slowEventId)).toBeLessThan(Number(resumed[1]?.id));
  });

  it("R22b: only support and system callers may follow the feed; a forged resume token is INVALID_ARGUMENT", async () => {
    const t = await TenantKit.create(h);
    await t.scimUser();
    const bySystem = await collect({ tenantId: t.tenantId, count: 1, actor: systemCaller });
    expect(bySystem).toHaveLength(1);

    const byAdmin = await rejection(
      collect({ tenantId: t.tenantId, count: 1, actor: adminActor(t.tenantId) }),
    );
    expectError(byAdmin, Code.PermissionDenied, "ROLE_NOT_ALLOWED");
    const forged = await rejection(
      collect({ tenantId: t.tenantId, count: 1, resumeToken: Buffer.from("x:y").toString("base64url") }),
    );
    expectError(forged, Code.InvalidArgument, "RESUME_TOKEN_INVALID");
  });
});
