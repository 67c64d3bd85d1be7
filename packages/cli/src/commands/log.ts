import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { type ProvisioningEntry, ProvisioningEntrySchema, ProvisioningOutcome } from "@cosafe/proto/identity";
import { listOption, parseCount, parseDuration, parseSince, stringOption, UsageError } from "../args.js";
import type { Command, CommandContext, CommandGroup } from "../command.js";
import { ServiceCallError } from "../errors.js";
import { formatTime } from "../output.js";
import { collectPages } from "../paging.js";
import { dateOf, getTenant, limitOption, messageJson } from "./shared.js";

const words = ["log"];

/** The tenant argument that reads the support-only stream (requests without a valid token). */
const unauthenticatedStream = "unauthenticated";

const outcomes: Record<string, ProvisioningOutcome> = {
  success: ProvisioningOutcome.SUCCESS,
  "client-error": ProvisioningOutcome.CLIENT_ERROR,
  "license-refused": ProvisioningOutcome.LICENSE_REFUSED,
  "server-error": ProvisioningOutcome.SERVER_ERROR,
  unauthenticated: ProvisioningOutcome.UNAUTHENTICATED,
};

function outcomeName(outcome: ProvisioningOutcome): string {
  return Object.entries(outcomes).find(([, value]) => value === outcome)?.[0] ?? "unspecified";
}

function parseOutcomes(values: string[]): ProvisioningOutcome[] {
  return values.map((value) => {
    const outcome = outcomes[value.toLowerCase().replace(/_/g, "-")];
    if (outcome === undefined) {
      throw new UsageError(
        `--outcome must be one of ${Object.keys(outcomes).join(", ")}, got "${value}"`,
        words,
      );
    }
    return outcome;
  });
}

const timeOf = (entry: ProvisioningEntry) => dateOf(entry.time)?.getTime() ?? 0;

function durationMs(entry: ProvisioningEntry): string {
  if (!entry.duration) return "";
  return `${Math.round(Number(entry.duration.seconds) * 1000 + entry.duration.nanos / 1e6)} ms`;
}

const widths = { time: 20, request: 52, status: 6, outcome: 16, who: 30 };

function header(): string {
  return [
    "TIME".padEnd(widths.time),
    "REQUEST".padEnd(widths.request),
    "STATUS".padEnd(widths.status),
    "OUTCOME".padEnd(widths.outcome),
    "USER / RESOURCE".padEnd(widths.who),
    "DETAIL",
  ].join("  ");
}

/** One entry as one line of fixed-width columns (works for a table and for follow mode). */
function line(entry: ProvisioningEntry): string {
  const who = entry.userName || entry.externalId || entry.resourceId || "-";
  const detail = [
    entry.scimType,
    entry.detail,
    entry.ignoredAttributes.length > 0 ? `ignored: ${entry.ignoredAttributes.join(", ")}` : "",
    durationMs(entry),
  ]
    .filter(Boolean)
    .join("; ")
    .replace(/\s*\n\s*/g, " ");
  return [
    formatTime(dateOf(entry.time)).padEnd(widths.time),
    `${entry.method} ${entry.path}`.padEnd(widths.request),
    String(entry.status).padEnd(widths.status),
    outcomeName(entry.outcome).padEnd(widths.outcome),
    who.padEnd(widths.who),
    detail,
  ]
    .join("  ")
    .trimEnd();
}

interface Filters {
  tenantId: string;
  outcomes: ProvisioningOutcome[];
  resourceId: string;
  userName: string;
  externalId: string;
}

async function fetchEntries(
  ctx: CommandContext,
  filters: Filters,
  range: { from?: Date | undefined; until?: Date | undefined },
  limit: number,
): Promise<ProvisioningEntry[]> {
  const pageSize = Math.min(1000, Math.max(1, limit));
  return collectPages(
    ctx.out,
    "provisioning entries",
    async (pageToken) => {
      const page = await ctx.clients.provisioningLog.listProvisioningEntries(
        {
          ...filters,
          startTime: range.from ? timestampFromDate(range.from) : undefined,
          endTime: range.until ? timestampFromDate(range.until) : undefined,
          pageSize,
          pageToken,
        },
        ctx.call,
      );
      return { items: page.entries, nextPageToken: page.nextPageToken };
    },
    limit,
  );
}

/** Entries may be stored a little after their request arrived (the facade sends batches). */
const lateArrivalMs = 60_000;
/** How many failed polls in a row `--follow` rides out (a service restarting) before giving up. */
const maxFailedPolls = 10;

function isTransient(error: unknown): boolean {
  return (
    error instanceof ServiceCallError &&
    (error.cause.code === Code.Unavailable || error.cause.code === Code.DeadlineExceeded)
  );
}

const log: Command = {
  words,
  summary: "read a tenant's provisioning log (R20): why users aren't syncing",
  description:
    "Shows the newest SCIM requests of a tenant, oldest first, with their outcome and detail.\n" +
    `Use "${unauthenticatedStream}" instead of a tenant id for requests without a valid token.\n` +
    "--follow keeps polling and prints new entries as they arrive (Ctrl-C stops); with --json\n" +
    "it prints one JSON object per line.",
  positionals: [{ name: "tenant", description: `tenant id, or "${unauthenticatedStream}"` }],
  options: [
    {
      name: "since",
      type: "string",
      value: "WHEN",
      description: "only entries at or after: a duration back (30m, 1h, 7d) or an ISO date/time",
    },
    { name: "until", type: "string", value: "WHEN", description: "only entries before (same forms)" },
    {
      name: "outcome",
      type: "string",
      multiple: true,
      value: "OUTCOME",
      description: `only these outcomes (${Object.keys(outcomes).join(", ")}); repeat or comma-separate`,
    },
    {
      name: "user-name",
      type: "string",
      value: "NAME",
      description: "only this userName (case-insensitive)",
    },
    { name: "external-id", type: "string", value: "ID", description: "only this externalId" },
    { name: "resource-id", type: "string", value: "ID", description: "only this SCIM resource id" },
    limitOption("entries", 50),
    { name: "follow", type: "boolean", description: "keep printing new entries as they arrive" },
    {
      name: "interval",
      type: "string",
      value: "DURATION",
      description: "poll interval of --follow (default 2s)",
    },
  ],
  examples: [
    "cosafe log <tenant> --since 1h --outcome client-error,license-refused",
    "cosafe log <tenant> --user-name bjensen@example.com",
    "cosafe log <tenant> --follow",
    `cosafe log ${unauthenticatedStream} --since 30m`,
  ],
  async run(ctx, { positionals, options }) {
    const [tenant] = positionals as [string];
    const now = ctx.now();
    const since = stringOption(options, "since");
    const until = stringOption(options, "until");
    const follow = options.follow === true;
    if (follow && until) throw new UsageError("--until cannot be combined with --follow", words);
    const range = {
      from: since ? parseSince(since, "--since", now, words) : undefined,
      until: until ? parseSince(until, "--until", now, words) : undefined,
    };
    const limit = parseCount(stringOption(options, "limit") ?? "50", "--limit", words, 100_000);
    const interval = parseDuration(stringOption(options, "interval") ?? "2s", "--interval", words);
    const filters: Filters = {
      tenantId: tenant === unauthenticatedStream ? "" : tenant,
      outcomes: parseOutcomes(listOption(options, "outcome")),
      resourceId: stringOption(options, "resource-id") ?? "",
      userName: stringOption(options, "user-name") ?? "",
      externalId: stringOption(options, "external-id") ?? "",
    };

    // An unknown tenant would just show no entries: say so instead.
    if (filters.tenantId) await getTenant(ctx, filters.tenantId);
    const newestFirst = limit === 0 ? [] : await fetchEntries(ctx, filters, range, limit);
    const initial = [...newestFirst].reverse();
    if (!follow) {
      ctx.out.result({ entries: initial.map((e) => messageJson(ProvisioningEntrySchema, e)) }, () => {
        if (initial.length === 0) ctx.out.line("(no provisioning entries)");
        else {
          ctx.out.line(header());
          for (const entry of initial) ctx.out.line(line(entry));
        }
      });
      return;
    }

    const print = (entries: ProvisioningEntry[]) => {
      for (const entry of entries) {
        if (ctx.out.json) ctx.out.jsonLine(messageJson(ProvisioningEntrySchema, entry));
        else ctx.out.line(line(entry));
      }
    };
    if (!ctx.out.json) ctx.out.line(header());
    print(initial);
    ctx.out.note("following the provisioning log… (Ctrl-C stops)");

    const seen = new Map(initial.map((e) => [e.id, timeOf(e)]));
    // Entries older than what the limit cut off were deliberately not shown; never print them later.
    const truncatedBefore = newestFirst.length === limit && initial[0] ? timeOf(initial[0]) : 0;
    const floor = Math.max(range.from?.getTime() ?? 0, truncatedBefore);
    let newest = Math.max(now.getTime(), ...seen.values());
    let failures = 0;
    while (!ctx.signal.aborted) {
      await ctx.sleep(interval);
      if (ctx.signal.aborted) break;
      const from = new Date(Math.max(floor, newest - lateArrivalMs));
      let fresh: ProvisioningEntry[];
      try {
        fresh = (await fetchEntries(ctx, filters, { from }, 100_000)).filter((e) => !seen.has(e.id));
        failures = 0;
      } catch (error) {
        if (ctx.signal.aborted) break;
        if (!isTransient(error) || ++failures >= maxFailedPolls) throw error;
        ctx.out.warn(`${(error as Error).message}; retrying (${failures} of ${maxFailedPolls - 1})`);
        continue;
      }
      fresh.sort((a, b) => timeOf(a) - timeOf(b) || a.id.localeCompare(b.id));
      print(fresh);
      for (const entry of fresh) {
        seen.set(entry.id, timeOf(entry));
        newest = Math.max(newest, timeOf(entry));
      }
      for (const [id, time] of seen) if (time < from.getTime() - lateArrivalMs) seen.delete(id);
    }
  },
};

export const logCommands: CommandGroup = { name: "log", summary: log.summary, commands: [log] };
