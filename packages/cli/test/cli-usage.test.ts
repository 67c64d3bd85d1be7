import { freePort } from "@cosafe/testing";
import { describe, expect, it } from "vitest";
import { parseArgs, parseDuration, parseSince, UsageError } from "../src/args.js";
import { commandGroups } from "../src/commands/index.js";
import { ExitCode } from "../src/exit-codes.js";
import { cli, type Env } from "./support/cli-harness.js";

const env: Env = {
  COSAFE_SERVICE_SECRET: "a-secret-of-sufficient-length",
  COSAFE_SUPPORT_PERSON: "support@cosafe.test",
};

describe("help", () => {
  it("--help, -h and `help` print the overview on stdout and exit 0", async () => {
    for (const argv of [["--help"], ["-h"], ["help"]]) {
      const result = await cli(argv, {});
      expect(result.code).toBe(ExitCode.OK);
      expect(result.stdout).toContain("Usage: cosafe <command>");
      expect(result.stdout).toContain("COSAFE_SUPPORT_PERSON");
      expect(result.stdout).toContain("Exit codes:");
    }
  });

  it("every command has --help, which needs no configuration", async () => {
    for (const group of commandGroups) {
      for (const command of group.commands) {
        const result = await cli([...command.words, "--help"], {});
        expect(result.code, command.words.join(" ")).toBe(ExitCode.OK);
        expect(result.stdout).toContain(`Usage: cosafe ${command.words.join(" ")}`);
        expect(result.stdout).toContain("--json");
        const viaHelp = await cli(["help", ...command.words], {});
        expect(viaHelp.stdout).toBe(result.stdout);
      }
    }
  });

  it("a group's --help lists its commands", async () => {
    const result = await cli(["token", "--help"], {});
    expect(result.code).toBe(ExitCode.OK);
    expect(result.stdout).toContain("cosafe token issue <tenant>");
    expect(result.stdout).toContain("cosafe token revoke <tenant> <token-id>");
  });
});

describe("usage errors exit 2 with help and send nothing", () => {
  const cases: [string[], string, string][] = [
    [[], "missing command", "Usage: cosafe <command>"],
    [["tenant"], 'missing command after "tenant"', "cosafe tenant create <name>"],
    [["frobnicate"], 'unknown command "frobnicate"', "Usage: cosafe <command>"],
    [["tenant", "destroy"], 'unknown command "tenant destroy"', "cosafe tenant list"],
    [["tenant", "create"], "missing <name>", "Usage: cosafe tenant create <name>"],
    [["tenant", "show", "a", "b"], 'unexpected argument "b"', "Usage: cosafe tenant show <tenant>"],
    [["tenant", "list", "--bogus"], "unknown option --bogus", "Usage: cosafe tenant list"],
    [["token", "issue", "t", "--name"], "option --name needs a value", "Usage: cosafe token issue"],
    [
      ["token", "issue", "t", "--expires-in", "soon"],
      "--expires-in must be a duration",
      "Usage: cosafe token issue",
    ],
    [["seats", "set-limit", "t", "-5"], "<limit> must be a whole number", "Usage: cosafe seats set-limit"],
    [["seats", "set-limit", "t", "ten"], "<limit> must be a whole number", "Usage: cosafe seats set-limit"],
    [["log", "t", "--outcome", "meh"], "--outcome must be one of success, client-error", "Usage: cosafe log"],
    [["log", "t", "--since", "yesterday"], "--since must be a duration back from now", "Usage: cosafe log"],
    [
      ["log", "t", "--follow", "--until", "1h"],
      "--until cannot be combined with --follow",
      "Usage: cosafe log",
    ],
    [["audit", "t", "--limit", "-1"], "--limit must be a whole number", "Usage: cosafe audit"],
    [["brake", "set", "t"], "give at least one of --percent", "Usage: cosafe brake set"],
    [["brake", "set", "t", "--percent", "0"], "--percent must be at least 1", "Usage: cosafe brake set"],
    [
      ["brake", "set", "t", "--percent", "101"],
      "--percent must be a whole number",
      "Usage: cosafe brake set",
    ],
    [
      ["brake", "set", "t", "--minimum", "many"],
      "--minimum must be a whole number",
      "Usage: cosafe brake set",
    ],
    [["brake", "set", "t", "--window", "soon"], "--window must be a duration", "Usage: cosafe brake set"],
  ];
  for (const [argv, message, help] of cases) {
    it(`cosafe ${argv.join(" ") || "(nothing)"}`, async () => {
      const unreachable = {
        ...env,
        COSAFE_IDENTITY_CORE_URL: "http://127.0.0.1:9",
        COSAFE_LICENSING_URL: "http://127.0.0.1:9",
      };
      const result = await cli(argv, unreachable);
      expect(result.code).toBe(ExitCode.USAGE);
      expect(result.stderr).toContain(`error: ${message}`);
      expect(result.stderr).toContain(help);
      expect(result.stdout).toBe("");
    });
  }

  it("with --json the error is one JSON line on stderr", async () => {
    const result = await cli(["tenant", "create", "--json"], env);
    expect(result.code).toBe(ExitCode.USAGE);
    expect(JSON.parse(result.stderr)).toEqual({ error: { code: "USAGE", message: "missing <name>" } });
  });
});

describe("configuration", () => {
  it("names every bad variable and exits 2", async () => {
    const result = await cli(["tenant", "list"], {
      COSAFE_IDENTITY_CORE_URL: "not a url",
      COSAFE_LICENSING_URL: "ftp://licensing",
      COSAFE_SERVICE_SECRET: "short",
      COSAFE_SUPPORT_PERSON: "Jane Doe",
      COSAFE_TIMEOUT_MS: "soon",
    });
    expect(result.code).toBe(ExitCode.USAGE);
    for (const name of [
      "COSAFE_IDENTITY_CORE_URL must be an absolute URL",
      "COSAFE_LICENSING_URL must use http or https",
      "COSAFE_SERVICE_SECRET must be at least 16 characters",
      "COSAFE_SUPPORT_PERSON must be one identifier",
      "COSAFE_TIMEOUT_MS must be an integer",
    ]) {
      expect(result.stderr).toContain(name);
    }
  });

  it("requires the secret and the acting person", async () => {
    const result = await cli(["tenant", "list"], {});
    expect(result.code).toBe(ExitCode.USAGE);
    expect(result.stderr).toContain("COSAFE_SERVICE_SECRET is required");
    expect(result.stderr).toContain("COSAFE_SUPPORT_PERSON is required");
  });
});

describe("unreachable services exit 3", () => {
  it("identity-core down: names the service, URL and call", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await cli(["tenant", "list"], { ...env, COSAFE_IDENTITY_CORE_URL: url });
    expect(result.code).toBe(ExitCode.UNAVAILABLE);
    expect(result.stderr).toContain(`cannot reach identity-core at ${url}`);
    expect(result.stderr).toContain("TenantService.ListTenants: UNAVAILABLE");
  });

  it("with --json the error carries the gRPC code", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await cli(["tenant", "show", "x", "--json"], { ...env, COSAFE_IDENTITY_CORE_URL: url });
    expect(result.code).toBe(ExitCode.UNAVAILABLE);
    expect(JSON.parse(result.stderr).error).toMatchObject({
      service: "identity-core",
      method: "TenantService.GetTenant",
      code: "UNAVAILABLE",
    });
  });
});

describe("argument parsing", () => {
  const spec = {
    positionals: [{ name: "a", description: "" }],
    options: [
      { name: "name", type: "string" as const, description: "" },
      { name: "outcome", type: "string" as const, multiple: true, description: "" },
      { name: "follow", type: "boolean" as const, description: "" },
    ],
  };

  it("reads --x value, --x=value, switches, repeated and comma-separated lists, and --", () => {
    expect(
      parseArgs(["--name=n", "p", "--outcome", "a,b", "--outcome=c", "--follow", "--json"], spec),
    ).toEqual({
      positionals: ["p"],
      options: { name: "n", outcome: ["a", "b", "c"], follow: true, json: true },
    });
    expect(parseArgs(["--", "--name"], spec).positionals).toEqual(["--name"]);
  });

  it("refuses a repeated single option and a value on a switch", () => {
    expect(() => parseArgs(["p", "--name", "a", "--name", "b"], spec)).toThrow(UsageError);
    expect(() => parseArgs(["p", "--follow=yes"], spec)).toThrow("takes no value");
  });

  it("durations and points in time", () => {
    expect(parseDuration("90d", "x")).toBe(90 * 86_400_000);
    expect(parseDuration("2w", "x")).toBe(14 * 86_400_000);
    expect(() => parseDuration("0s", "x")).toThrow("longer than zero");
    const now = new Date("2025-03-01T12:00:00Z");
    expect(parseSince("1h", "x", now).toISOString()).toBe("2025-03-01T11:00:00.000Z");
    expect(parseSince("2025-02-01", "x", now).toISOString()).toBe("2025-02-01T00:00:00.000Z");
  });
});
