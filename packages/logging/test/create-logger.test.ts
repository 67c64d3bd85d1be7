import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, requestContext } from "../src/index.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, logger: createLogger({ service: "test", destination }) };
}

describe("createLogger", () => {
  it("writes JSON lines with the service name and the current request id", () => {
    const { lines, logger } = capture();
    requestContext.run({ requestId: "req-42" }, () => logger.info({ path: "/Users" }, "scim request"));
    logger.info("outside a request");
    expect(lines[0]).toMatchObject({
      service: "test",
      requestId: "req-42",
      path: "/Users",
      msg: "scim request",
    });
    expect(lines[1]).not.toHaveProperty("requestId");
  });

  it("R21: never writes tokens, secrets or authorization headers", () => {
    const { lines, logger } = capture();
    logger.info(
      {
        authorization: "Bearer cosafe_scim_abc",
        secret: "cosafe_scim_def",
        req: { headers: { authorization: "Bearer x" }, token: "t0k" },
      },
      "leaky",
    );
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/cosafe_scim_|Bearer|t0k/);
    expect(text).toContain("[redacted]");
  });

  it("issue 14: never writes the personal data fields of SCIM users, at any depth up to two", () => {
    const { lines, logger } = capture();
    logger.warn(
      {
        userName: "ada@example.com",
        user: { name: { givenName: "Ada" }, emails: [{ value: "ada@x" }], phoneNumbers: ["+4179"] },
        request: { body: { displayName: "Ada L" } },
        tenantId: "t-1",
      },
      "leaky",
    );
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/ada@|Ada|\+4179/);
    expect(text).toContain("t-1");
  });

  it("issue 14: a database error is logged by type, SQLSTATE and constraint, without its SQL or key values", () => {
    const { lines, logger } = capture();
    const driver = Object.assign(
      new Error("insert into app_user (user_name) values ('ada@example.com') - duplicate key value"),
      {
        name: "UniqueConstraintViolationException",
        sqlState: "23505",
        constraint: "app_user_uq",
        detail: "Key (user_name)=(ada@example.com)",
      },
    );
    logger.error({ err: new Error("create failed", { cause: driver }) }, "failed");
    const text = JSON.stringify(lines);
    expect(text).not.toContain("ada@example.com");
    expect(lines[0]?.err).toMatchObject({
      message: "create failed",
      cause: { type: "UniqueConstraintViolationException", sqlState: "23505", constraint: "app_user_uq" },
    });
  });
});
