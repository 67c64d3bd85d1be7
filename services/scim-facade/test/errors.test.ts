import { Code, ConnectError, errorWithReason } from "@cosafe/rpc";
import { describe, expect, it } from "vitest";
import { scimErrorFromRpc } from "../src/errors.js";

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
  ])("%s → %i %s", (error, status, scimType) => {
    const scim = scimErrorFromRpc(error);
    expect([scim.status, scim.scimType]).toEqual([status, scimType]);
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
