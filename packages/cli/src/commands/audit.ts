import type { JsonObject } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Actor, ActorType, type AuditEvent, AuditEventSchema, Role } from "@cosafe/proto/identity";
import { parseCount, parseSince, stringOption } from "../args.js";
import type { Command, CommandGroup } from "../command.js";
import { formatTime } from "../output.js";
import { collectPages } from "../paging.js";
import { dateOf, getTenant, limitOption, messageJson, tenantArg } from "./shared.js";

const words = ["audit"];

function actorLabel(actor: Actor | undefined): string {
  if (!actor) return "-";
  const role = Role[actor.role]?.toLowerCase() ?? "?";
  const type =
    actor.type === ActorType.SCIM_TOKEN ? "token " : actor.type === ActorType.SERVICE ? "service " : "";
  return `${role}:${type}${actor.id}`;
}

function value(v: unknown): string {
  const text = v === undefined ? "∅" : JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** `field: before → after` for each changed field, shortened. */
function changes(event: AuditEvent): string {
  const before = (event.before ?? {}) as JsonObject;
  const after = (event.after ?? {}) as JsonObject;
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys
    .map((key) =>
      key in before ? `${key}: ${value(before[key])} → ${value(after[key])}` : `${key}: ${value(after[key])}`,
    )
    .join("; ");
}

const audit: Command = {
  words,
  summary: "read a tenant's audit events (R22): who changed what",
  description:
    "Shows the newest audit events of a tenant, oldest first. --json prints them with full before/after.",
  positionals: [tenantArg],
  options: [
    { name: "target", type: "string", value: "ID", description: "only events about this object id" },
    {
      name: "target-type",
      type: "string",
      value: "KIND",
      description: "only events about this kind of object (user, group, tenant, scim_token, …)",
    },
    {
      name: "actor",
      type: "string",
      value: "ID",
      description: "only events by this actor (a person, a SCIM token id, a service)",
    },
    {
      name: "since",
      type: "string",
      value: "WHEN",
      description: "only events at or after: a duration back (30m, 1h, 7d) or an ISO date/time",
    },
    { name: "until", type: "string", value: "WHEN", description: "only events before (same forms)" },
    limitOption("events", 50),
  ],
  examples: [
    "cosafe audit <tenant> --since 1d",
    "cosafe audit <tenant> --target <user-id>",
    "cosafe audit <tenant> --actor jane@cosafe.com --target-type scim_token",
  ],
  async run(ctx, { positionals, options }) {
    const [tenantId] = positionals as [string];
    const now = ctx.now();
    const since = stringOption(options, "since");
    const until = stringOption(options, "until");
    const limit = parseCount(stringOption(options, "limit") ?? "50", "--limit", words, 100_000);
    const request = {
      tenantId,
      targetId: stringOption(options, "target") ?? "",
      targetType: stringOption(options, "target-type") ?? "",
      actorId: stringOption(options, "actor") ?? "",
      startTime: since ? timestampFromDate(parseSince(since, "--since", now, words)) : undefined,
      endTime: until ? timestampFromDate(parseSince(until, "--until", now, words)) : undefined,
      pageSize: Math.min(1000, Math.max(1, limit)),
    };
    await getTenant(ctx, tenantId); // an unknown tenant is an error, not "(no audit events)"
    const newestFirst =
      limit === 0
        ? []
        : await collectPages(
            ctx.out,
            "audit events",
            async (pageToken) => {
              const page = await ctx.clients.audit.listAuditEvents({ ...request, pageToken }, ctx.call);
              return { items: page.events, nextPageToken: page.nextPageToken };
            },
            limit,
          );
    const events = [...newestFirst].reverse();
    ctx.out.result({ events: events.map((e) => messageJson(AuditEventSchema, e)) }, () =>
      ctx.out.table(
        [
          { header: "TIME", value: (e: AuditEvent) => formatTime(dateOf(e.createTime)) },
          { header: "ACTOR", value: (e) => actorLabel(e.actor) },
          { header: "ACTION", value: (e) => e.action },
          { header: "TARGET", value: (e) => `${e.targetType} ${e.targetId}` },
          { header: "REQUEST ID", value: (e) => e.requestId },
          { header: "CHANGES", value: changes },
        ],
        events,
        "(no audit events)",
      ),
    );
  },
};

export const auditCommands: CommandGroup = { name: "audit", summary: audit.summary, commands: [audit] };
