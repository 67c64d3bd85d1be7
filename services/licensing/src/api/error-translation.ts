import type { Interceptor } from "@connectrpc/connect";
import { databaseUnavailableError } from "@cosafe/rpc";
import { isDatabaseUnavailable } from "@cosafe/storage";

const domain = "licensing.cosafe.com";

/**
 * The one table of what licensing's own refusals do not cover: a database that is unreachable
 * or out of connections is UNAVAILABLE with a reason (identity-core retries allocations within
 * its budget), never INTERNAL. Every other failure passes through unchanged.
 */
export function toConnectError(error: unknown): unknown {
  if (isDatabaseUnavailable(error)) return databaseUnavailableError(domain, error, "the licensing database");
  return error;
}

export const errorTranslationInterceptor: Interceptor = (next) => async (req) => {
  try {
    return await next(req);
  } catch (error) {
    throw toConnectError(error);
  }
};
