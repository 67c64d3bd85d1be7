import { Code, ConnectError, errorWithReason } from "@cosafe/rpc";
import { describe, expect, it } from "vitest";
import { scimErrorFromRpc, tokenRefusedDetail } from "../src/errors.js";

const withReason = (code: Code, reason: string) =>
  errorWithReason(code, reason, "message from the core", { domain: "test" });

describe("scimErrorFromRpc (the facade's one translation table)", () => {
  it.each([
    [withReason(Code.AlreadyExists, "USER_NAME_TAKEN"), 409, "uniqueness"],
    [withReason(Code.InvalidArgument, "USER_NAME_REQUIRED"), 400, "invalidValue"],
    [withReason(Code.InvalidArgument, "FILTER_INVALID"), 400, "invalidFilter"],
    [withReason(Code.Aborted, "ETAG_MISMATCH"), 412, undefined],
    [withReason(Code.FailedPrecondition, "LICENSE_LIMIT_REACHED"), 403, undefined],
    [new ConnectError("gone", Code.NotFound), 404, undefined],
    [new ConnectError("down", Code.Unavailable), 503, undefined],
    [withReason(Code.InvalidArgument, "TEXT_TOO_LONG"), 400, "invalidValue"],
    [withReason(Code.InvalidArgument, "TEXT_CONTROL_CHARACTER"), 400, "invalidValue"],
    [withReason(Code.Aborted, "CONCURRENT_MODIFICATION"), 503, undefined],
  ])("%s → %i %s", (error, status, scimType) => {
    const scim = scimErrorFromRpc(error);
    expect([scim.status, scim.scimType]).toEqual([status, scimType]);
  });

  // Issue 15: connect-node reports a reset connection (identity-core crashed mid-request) as Aborted.
  it.each([
    new ConnectError("read ECONNRESET", Code.Aborted),
    new ConnectError("connect ECONNREFUSED 127.0.0.1:50051", Code.Unavailable),
    new ConnectError("the operation timed out", Code.DeadlineExceeded),
    new ConnectError("operation was aborted", Code.Canceled),
    new ConnectError("http/2 stream closed with error code INTERNAL_ERROR (0x2)", Code.Internal),
  ])("a transport failure (%s) is 503, never 412", (error) => {
    const scim = scimErrorFromRpc(error);
    expect(scim.status).toBe(503);
    expect(scim.detail).not.toMatch(/ECONN|http\/2/);
  });

  it("R21: every refused token gets the same 401 detail", () => {
    const details = ["TOKEN_INVALID", "TOKEN_REVOKED", "TOKEN_EXPIRED"].map(
      (reason) => scimErrorFromRpc(withReason(Code.Unauthenticated, reason)).detail,
    );
    expect(new Set(details)).toEqual(new Set([tokenRefusedDetail]));
  });

  it("never leaks an internal error's message", () => {
    const scim = scimErrorFromRpc(
      new ConnectError("pg: relation identity.app_user is broken", Code.Internal),
    );
    expect(scim.status).toBe(500);
    expect(scim.detail).toBe("internal error");
  });

  it("keeps the core's message as detail for client errors", () => {
    expect(scimErrorFromRpc(withReason(Code.AlreadyExists, "USER_NAME_TAKEN")).detail).toBe(
      "message from the core",
    );
  });
});
