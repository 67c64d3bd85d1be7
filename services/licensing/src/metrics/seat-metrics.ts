import { Gauge, type Registry } from "@cosafe/telemetry";
import type { MikroORM } from "@mikro-orm/postgresql";
import { busiestLicenses, licenseTotals } from "../storage/license-usage-query.js";

/**
 * Seats used and the limit per tenant, read from the licences when scraped. Only the
 * `tenantsMax` tenants using the most seats get a `tenant_id` label, so the series stay
 * bounded however many tenants there are; the totals cover every tenant.
 */
export function registerSeatMetrics(registry: Registry, orm: MikroORM, tenantsMax: number): void {
  let perTenant: ReturnType<typeof busiestLicenses> | undefined;
  // One query per scrape for both per-tenant gauges.
  const licenses = () => {
    perTenant ??= busiestLicenses(orm, tenantsMax).finally(() => {
      setImmediate(() => {
        perTenant = undefined;
      });
    });
    return perTenant;
  };
  new Gauge({
    name: "cosafe_seats_used",
    help: `Seats in use per tenant (the ${tenantsMax} tenants using the most seats).`,
    labelNames: ["tenant_id"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const l of await licenses()) this.set({ tenant_id: l.tenantId }, l.seatsInUse);
    },
  });
  new Gauge({
    name: "cosafe_seat_limit",
    help: `Licensed seats per tenant (the ${tenantsMax} tenants using the most seats).`,
    labelNames: ["tenant_id"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const l of await licenses()) this.set({ tenant_id: l.tenantId }, l.seatLimit);
    },
  });
  new Gauge({
    name: "cosafe_seats",
    help: "Seats over every tenant: in_use and licensed; tenants is the number of licences.",
    labelNames: ["kind"] as const,
    registers: [registry],
    async collect() {
      const totals = await licenseTotals(orm);
      this.set({ kind: "in_use" }, totals.used);
      this.set({ kind: "licensed" }, totals.licensed);
      this.set({ kind: "tenants" }, totals.tenants);
    },
  });
}
