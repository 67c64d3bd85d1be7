import type { Interceptor } from "@connectrpc/connect";
import { Code, databaseUnavailableError, errorWithReason } from "@cosafe/rpc";
import { isDatabaseUnavailable, violatedConstraint } from "@cosafe/storage";
import { OptimisticLockError } from "@mikro-orm/core";
import { DomainError, type ErrorKind } from "../domain/domain-error.js";

const domain = "identity.cosafe.com";

/** The one table from domain outcomes to gRPC codes at this boundary (docs/adr/0004-error-translation.md). */
const codes: Record<ErrorKind, Code> = {
  INVALID_ARGUMENT: Code.InvalidArgument,
  NOT_FOUND: Code.NotFound,
  ALREADY_EXISTS: Code.AlreadyExists,
  FAILED_PRECONDITION: Code.FailedPrecondition,
  ABORTED: Code.Aborted,
  PERMISSION_DENIED: Code.PermissionDenied,
  UNAUTHENTICATED: Code.Unauthenticated,
  UNAVAILABLE: Code.Unavailable,
};

/** Unique constraints and what their violation means to a caller. */
const uniqueConstraints: Record<string, { reason: string; message: string }> = {
  app_user_tenant_user_name_uq: {
    reason: "USER_NAME_TAKEN",
    message: "userName is already taken in this tenant",
  },
  app_group_tenant_external_id_uq: {
    reason: "GROUP_EXTERNAL_ID_TAKEN",
    message: "externalId is already used by another group of this tenant (R13)",
  },
  app_group_tenant_linked_name_uq: {
    reason: "GROUP_NAME_TAKEN",
    message: "displayName is already used by another SCIM-linked group of this tenant (R13)",
  },
};

/** Turns a domain refusal, a unique violation, a lost optimistic race or an unreachable database into a gRPC status with a reason. */
export function toConnectError(error: unknown): unknown {
  if (error instanceof DomainError) {
    return errorWithReason(codes[error.kind], error.reason, error.message, {
      domain,
      metadata: error.metadata,
    });
  }
  const constraint = violatedConstraint(error);
  if (constraint) {
    const known = uniqueConstraints[constraint] ?? {
      reason: "ALREADY_EXISTS",
      message: "a conflicting record exists",
    };
    return errorWithReason(Code.AlreadyExists, known.reason, known.message, { domain, cause: error });
  }
  if (error instanceof OptimisticLockError) {
    return errorWithReason(
      Code.Aborted,
      "ETAG_MISMATCH",
      "the record was changed concurrently; read it again",
      {
        domain,
        cause: error,
      },
    );
  }
  if (isDatabaseUnavailable(error)) return databaseUnavailableError(domain, error);
  return error;
}

/** A server stream whose failures are translated too: they surface while it is read, after `next` returned. */
async function* translated<T>(messages: AsyncIterable<T>): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (error) {
    throw toConnectError(error);
  }
}

export const errorTranslationInterceptor: Interceptor = (next) => async (req) => {
  try {
    const res = await next(req);
    return res.stream ? { ...res, message: translated(res.message) } : res;
  } catch (error) {
    throw toConnectError(error);
  }
};
