import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "../src/exit-codes.js";
import { type CliStack, parseJson, startCliStack, supportPerson } from "./support/cli-harness.js";

let s: CliStack;

beforeAll(async () => {
  s = await startCliStack();
});

afterAll(() => s?.stop());

function field(text: string, label: string): string {
  const match = new RegExp(`^\\s*${label}\\s+(\\S+)`, "m").exec(text);
  if (!match?.[1]) throw new Error(`no "${label}" in:\n${text}`);
  return match[1];
}

function requestToken(clientId: string, clientSecret: string) {
  return fetch(`${s.stack.scimBaseUrl}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: clientSecret,
    }).toString(),
  });
}

describe("issue 16: cosafe oauth-client issue | list | revoke", () => {
  it("issues a client whose credentials get a token, lists it, revokes it (audited)", async () => {
    const created = await s.cli(["tenant", "create", "OAuth Corp"]);
    expect(created.code, created.stderr).toBe(ExitCode.OK);
    const tenantId = /^Created tenant (\S+)$/m.exec(created.stdout)?.[1] as string;

    const issued = await s.cli(["oauth-client", "issue", tenantId, "--name", "Okta"]);
    expect(issued.code, issued.stderr).toBe(ExitCode.OK);
    const clientId = field(issued.stdout, "client id");
    const secret = field(issued.stdout, "client secret");
    expect(secret).toMatch(/^cosafe_oauth_/);
    expect(issued.stderr).toContain("shown only this once");
    expect((await requestToken(clientId, secret)).status).toBe(200);

    const listed = parseJson<{ clients: { id: string; name: string }[] }>(
      await s.cli(["oauth-client", "list", tenantId, "--json"]),
    );
    expect(listed.clients).toEqual([expect.objectContaining({ id: clientId, name: "Okta" })]);
    expect(JSON.stringify(listed)).not.toContain(secret.slice(13));

    const revoked = await s.cli(["oauth-client", "revoke", tenantId, clientId]);
    expect(revoked.code, revoked.stderr).toBe(ExitCode.OK);
    expect(revoked.stdout).toContain(`Revoked OAuth client ${clientId}`);
    expect((await requestToken(clientId, secret)).status).toBe(401);
    expect((await s.cli(["oauth-client", "list", tenantId])).stdout).toContain("(no active clients)");
    expect((await s.cli(["oauth-client", "list", tenantId, "--revoked"])).stdout).toContain("revoked");

    const audit = parseJson<{ events: { action: string; actor: { id: string } }[] }>(
      await s.cli(["audit", tenantId, "--target", clientId, "--json"]),
    );
    expect(audit.events.map((e) => e.action)).toEqual([
      "oauth_client.issued",
      "oauth_client.token_issued",
      "oauth_client.revoked",
    ]);
    expect(audit.events[2]?.actor.id).toBe(supportPerson);
  });
});
