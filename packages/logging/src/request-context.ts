import { AsyncLocalStorage } from "node:async_hooks";

/** What every log line of one request carries, across async hops inside one process. */
export interface RequestContext {
  requestId: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

/** The request id of the request being served, if any. */
export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}
