import { Code, ConnectError, createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { CallContext } from "./call-metadata.js";

/** Where the auth interceptor leaves the verified call context for handlers. */
export const callContextKey = createContextKey<CallContext | undefined>(undefined, {
  description: "verified service, actor and request id of the call",
});

/** The verified call context; every handler behind the auth interceptor has one. */
export function callContextOf(ctx: HandlerContext): CallContext {
  const call = ctx.values.get(callContextKey);
  if (!call) throw new ConnectError("call has no verified context", Code.Unauthenticated);
  return call;
}
