import { LicenseSchema } from "@cosafe/proto/licensing";
import { parseCount } from "../args.js";
import type { Command, CommandGroup } from "../command.js";
import { CommandFailure } from "../errors.js";
import { formatTime } from "../output.js";
import { dateOf, getTenant, messageJson, tenantArg } from "./shared.js";

const show: Command = {
  words: ["seats", "show"],
  summary: "show a tenant's seat limit and seats in use (R9)",
  positionals: [tenantArg],
  options: [],
  async run(ctx, { positionals }) {
    const [tenantId] = positionals as [string];
    // licensing knows no tenants: ask identity-core first so a mistyped id is an error, not "0 of 0".
    const tenant = await getTenant(ctx, tenantId);
    const { license } = await ctx.clients.licenses.getLicense({ tenantId }, ctx.call);
    if (!license) throw new CommandFailure("licensing returned no licence");
    const free = Math.max(0, license.seatLimit - license.seatsInUse);
    ctx.out.result({ license: messageJson(LicenseSchema, license), free }, () => {
      ctx.out.fields([
        ["tenant", `${tenant.id} (${tenant.displayName})`],
        ["seat limit", String(license.seatLimit)],
        ["seats in use", String(license.seatsInUse)],
        ["free", String(free)],
        ["updated", formatTime(dateOf(license.updateTime))],
      ]);
    });
    if (license.seatsInUse > license.seatLimit) {
      ctx.out.warn(
        `${license.seatsInUse - license.seatLimit} seat(s) over the limit: no access was taken away, ` +
          "but new users and re-activations are refused until seats free up or the limit is raised",
      );
    } else if (free === 0) {
      ctx.out.warn(
        "no seat is free: the identity provider's creates and re-activations get 403 until the limit is raised",
      );
    }
  },
};

const setLimit: Command = {
  words: ["seats", "set-limit"],
  summary: "set a tenant's seat limit (R9)",
  description:
    "Raising the limit lets the identity provider's retries succeed with no other action.\n" +
    "Lowering it below the seats in use takes no seat away; new seats are refused until usage drops.",
  positionals: [tenantArg, { name: "limit", description: "the new seat limit (0 or more)" }],
  options: [],
  examples: ["cosafe seats set-limit <tenant> 250"],
  async run(ctx, { positionals }) {
    const [tenantId, text] = positionals as [string, string];
    const seatLimit = parseCount(text, "<limit>", ["seats", "set-limit"]);
    const tenant = await getTenant(ctx, tenantId);
    const before = (await ctx.clients.licenses.getLicense({ tenantId }, ctx.call)).license;
    const { license } = await ctx.clients.licenses.setSeatLimit({ tenantId, seatLimit }, ctx.call);
    if (!license) throw new CommandFailure("licensing returned no licence");
    const previous = before?.seatLimit ?? 0;
    ctx.out.result({ license: messageJson(LicenseSchema, license), previousSeatLimit: previous }, () =>
      ctx.out.line(
        `Seat limit of ${tenant.displayName} (${tenant.id}) is now ${license.seatLimit} (was ${previous}); ` +
          `${license.seatsInUse} seat(s) in use.`,
      ),
    );
    if (license.seatsInUse > license.seatLimit) {
      ctx.out.warn(
        "the limit is below the seats in use: no seat is taken away, but new users and re-activations " +
          "are refused until usage drops below it",
      );
    }
  },
};

const reconcile: Command = {
  words: ["seats", "reconcile"],
  summary: "run a seat reconciliation (R19) now and print what it fixed",
  description:
    "identity-core compares its provisioned users with licensing's seats: stray seats are released,\n" +
    "missing seats granted within the limit, stored seat ids corrected; users beyond the limit are\n" +
    "reported as overruns and keep their access. Every fix is an audit event. Waits for a run in progress.",
  positionals: [tenantArg],
  options: [],
  examples: ["cosafe seats reconcile <tenant>"],
  async run(ctx, { positionals }) {
    const [tenantId] = positionals as [string];
    const tenant = await getTenant(ctx, tenantId);
    const progress = ctx.out.progress(`reconciling seats of ${tenant.displayName}`);
    progress.update(0);
    const report = await ctx.clients.seats
      .reconcileSeats({ tenantId }, ctx.call)
      .finally(() => progress.end());
    const rows: [string, string, string][] = [
      ...report.released.map((f): [string, string, string] => ["released (stray seat)", f.userId, f.seatId]),
      ...report.granted.map((f): [string, string, string] => ["granted (missing seat)", f.userId, f.seatId]),
      ...report.reassigned.map((f): [string, string, string] => [
        "reassigned (seat id corrected)",
        f.userId,
        f.seatId,
      ]),
      ...report.overruns.map((f): [string, string, string] => [
        "OVERRUN (over the limit, access kept)",
        f.userId,
        "",
      ]),
    ];
    ctx.out.result(
      {
        tenantId,
        released: report.released,
        granted: report.granted,
        reassigned: report.reassigned,
        overruns: report.overruns,
        failedTenantIds: report.failedTenantIds,
      },
      () =>
        ctx.out.table(
          [
            { header: "FIX", value: (r: [string, string, string]) => r[0] },
            { header: "USER", value: (r: [string, string, string]) => r[1] },
            { header: "SEAT", value: (r: [string, string, string]) => r[2] },
          ],
          rows,
          `Seats of ${tenant.displayName} agree with its provisioned users: nothing to fix.`,
        ),
    );
    if (report.failedTenantIds.length > 0)
      throw new CommandFailure("the reconciliation failed for this tenant; see the identity-core log");
    if (report.overruns.length > 0) {
      ctx.out.warn(
        `${report.overruns.length} user(s) hold no seat because the limit is reached: raise it with seats set-limit`,
      );
    }
  },
};

export const seatsCommands: CommandGroup = {
  name: "seats",
  summary: "show and set seat limits; reconcile seats",
  commands: [show, setLimit, reconcile],
};
