import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningStack, startRunningStack } from "./stack-harness.js";

let s: RunningStack;

beforeAll(async () => {
  s = await startRunningStack({ metrics: true });
});

afterAll(() => s?.stop());

async function scrape(url: string | undefined): Promise<string> {
  if (!url) throw new Error("the stack was started without metrics ports");
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return res.text();
}

/** The value of one series line, e.g. `name{a="b"} 3`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.lastIndexOf("}"));
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) {
      return Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return undefined;
}

describe("Prometheus /metrics of the three services after a SCIM create", () => {
  it("show SCIM, gRPC, seat, brake, pool, feed and provisioning-log series; never on the SCIM port", async () => {
    const created = await s.http.post("/Users", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName: "metrics.probe@example.com",
      name: { givenName: "Metrics", familyName: "Probe" },
      emails: [{ value: "metrics.probe@example.com", type: "work", primary: true }],
    });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    expect((await s.http.get(`/Users/${id}`)).status).toBe(200);
    const urls = s.stack.metricsUrls;

    const facade = await scrape(urls?.facade);
    const post = { method: "POST", route: "/scim/v2/Users", status: "201" };
    expect(sample(facade, "cosafe_scim_requests_total", post)).toBe(1);
    expect(sample(facade, "cosafe_scim_request_duration_seconds_count", post)).toBe(1);
    // The route template, never the raw id.
    const get = { method: "GET", route: "/scim/v2/Users/:id", status: "200" };
    expect(sample(facade, "cosafe_scim_requests_total", get)).toBe(1);
    expect(facade).not.toContain(id);
    expect(facade).toContain("cosafe_provisioning_log_entries_dropped_total");
    expect(facade).toContain("cosafe_provisioning_log_entries_lost_total");
    expect(facade).toContain("process_cpu_user_seconds_total");

    const core = await scrape(urls?.identityCore);
    const createUser = { grpc_service: "cosafe.identity.v1.UserService", grpc_method: "CreateUser" };
    expect(sample(core, "cosafe_grpc_server_handled_total", { ...createUser, grpc_code: "OK" })).toBe(1);
    expect(sample(core, "cosafe_grpc_server_handling_seconds_count", createUser)).toBe(1);
    expect(sample(core, "cosafe_brake_held_deprovisionings", { kind: "DELETE" })).toBe(0);
    expect(sample(core, "cosafe_db_pool_connections", { state: "used" })).toBeGreaterThanOrEqual(0);
    expect(core).toContain("cosafe_db_pool_max");
    expect(core).toContain("cosafe_change_feed_lag_seconds");

    const licensing = await scrape(urls?.licensing);
    expect(sample(licensing, "cosafe_seats_used", { tenant_id: s.tenantId })).toBe(1);
    expect(sample(licensing, "cosafe_seat_limit", { tenant_id: s.tenantId })).toBe(100);
    expect(sample(licensing, "cosafe_seats", { kind: "in_use" })).toBe(1);
    const reserve = { grpc_service: "cosafe.licensing.v1.LicenseService", grpc_code: "OK" };
    expect(sample(licensing, "cosafe_grpc_server_handled_total", reserve)).toBeGreaterThanOrEqual(1);
    expect(licensing).toContain("cosafe_db_pool_connections");

    // The port identity providers reach serves SCIM only.
    const onScimPort = await fetch(s.scim.replace(/\/scim\/v2$/, "/metrics"));
    expect(onScimPort.status).toBe(404);
  });
});
