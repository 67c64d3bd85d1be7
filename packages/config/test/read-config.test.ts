import { describe, expect, it } from "vitest";
import {
  ConfigError,
  intSetting,
  portSetting,
  readConfig,
  serviceCredentialsSetting,
  urlSetting,
} from "../src/index.js";

describe("readConfig", () => {
  const spec = {
    databaseUrl: urlSetting("DATABASE_URL", { protocols: ["postgres", "postgresql"] }),
    port: portSetting("PORT", 8080),
    pool: intSetting("POOL", { default: 5, min: 1, max: 10 }),
  };

  it("applies defaults and parses values", () => {
    expect(readConfig(spec, { DATABASE_URL: "postgres://u@h/db", POOL: "7" })).toEqual({
      databaseUrl: "postgres://u@h/db",
      port: 8080,
      pool: 7,
    });
  });

  it("names every bad or missing variable at once, without echoing credentials", () => {
    let error: unknown;
    try {
      readConfig(spec, { DATABASE_URL: "postgres//user:hunter2@x", PORT: "99999", POOL: "zero" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect((error as ConfigError).problems).toHaveLength(3);
    expect(message).toMatch(/DATABASE_URL must be an absolute URL/);
    expect(message).toMatch(/PORT must be an integer between 0 and 65535, got "99999"/);
    expect(message).toMatch(/POOL must be an integer between 1 and 10/);
    expect(message).not.toContain("hunter2");
  });

  it("reports a missing required variable", () => {
    expect(() => readConfig(spec, {})).toThrow(/DATABASE_URL is required/);
  });
});

describe("serviceCredentialsSetting", () => {
  const spec = { credentials: serviceCredentialsSetting("CREDS") };

  it("reads name:secret pairs", () => {
    const { credentials } = readConfig(spec, {
      CREDS: "scim-facade:0123456789abcdef, admin-panel:fedcba9876543210",
    });
    expect([...credentials.keys()]).toEqual(["scim-facade", "admin-panel"]);
    expect([...(credentials.get("scim-facade")?.roles ?? [])]).toEqual(["SCIM", "SYSTEM"]);
    expect([...(credentials.get("admin-panel")?.roles ?? [])]).toEqual(["ADMIN", "SUPPORT"]);
  });

  it("accepts two secrets per name during a rotation, not three", () => {
    const two = readConfig(spec, { CREDS: "support-cli:0123456789abcdef,support-cli:fedcba9876543210" });
    expect(two.credentials.get("support-cli")?.secrets).toEqual(["0123456789abcdef", "fedcba9876543210"]);
    expect(() =>
      readConfig(spec, { CREDS: "a:0123456789abcdef,a:1123456789abcdef,a:2123456789abcdef" }),
    ).toThrow(/more than 2 secrets/);
  });

  it("COSAFE_SERVICE_ROLES overrides the defaults; a name without roles is refused", () => {
    const env = {
      CREDS: "admin-panel:0123456789abcdef,reports:fedcba9876543210",
      COSAFE_SERVICE_ROLES: "admin-panel:admin; reports:SUPPORT,SYSTEM",
    };
    const { credentials } = readConfig(spec, env);
    expect([...(credentials.get("admin-panel")?.roles ?? [])]).toEqual(["ADMIN"]);
    expect([...(credentials.get("reports")?.roles ?? [])]).toEqual(["SUPPORT", "SYSTEM"]);
    expect(() => readConfig(spec, { CREDS: "reports:fedcba9876543210" })).toThrow(
      /COSAFE_SERVICE_ROLES names no roles for "reports"/,
    );
    expect(() => readConfig(spec, { ...env, COSAFE_SERVICE_ROLES: "reports:ROOT" })).toThrow(
      /unknown role "ROOT"/,
    );
  });

  it("refuses malformed entries and short secrets without printing them", () => {
    expect(() => readConfig(spec, { CREDS: "scim-facade" })).toThrow(/malformed/);
    let message = "";
    try {
      readConfig(spec, { CREDS: "svc:short" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/shorter than 16/);
    expect(message).not.toContain(":short");
  });
});
