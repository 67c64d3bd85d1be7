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
});
