import { AsyncResource } from "node:async_hooks";

let installed = false;

/**
 * Node 20's `AsyncResource#bind` gives every bound function a deprecated `asyncResource`
 * accessor pair (DEP0172), built from two fresh `deprecate()` wrappers with their prototype
 * reset. HTTP/2's `session.request()` binds one function per request, so each call to another
 * service paid for them: 3–4 % of the facade's CPU on a SCIM read and about 10 % of its
 * allocations (docs/performance.md).
 *
 * This replaces `bind` with the same binding — the function runs in the resource's async scope,
 * with the same `this` and arguments, and the same `length` — and a plain `asyncResource`
 * property holding the resource. The only difference: reading or setting that property no longer
 * prints the deprecation warning. Installed once per process, from `main.ts`, and only on a Node
 * whose `bind` still builds the accessors.
 */
export function installLeanAsyncResourceBind(): void {
  if (installed) return;
  installed = true;
  const probe = new AsyncResource("probe").bind(() => undefined);
  if (Object.getOwnPropertyDescriptor(probe, "asyncResource")?.get === undefined) return;
  Object.defineProperty(AsyncResource.prototype, "bind", {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function bind<Func extends (...args: never[]) => unknown>(
      this: AsyncResource,
      fn: Func,
      thisArg?: unknown,
    ): Func {
      if (typeof fn !== "function") throw new TypeError('The "fn" argument must be of type function');
      const resource = this;
      const bound =
        thisArg === undefined
          ? function (this: unknown, ...args: unknown[]) {
              return resource.runInAsyncScope(fn as never, this, ...(args as never[]));
            }
          : (...args: unknown[]) => resource.runInAsyncScope(fn as never, thisArg, ...(args as never[]));
      Object.defineProperties(bound, {
        length: { configurable: true, enumerable: false, writable: false, value: fn.length },
        asyncResource: { configurable: true, enumerable: true, writable: true, value: resource },
      });
      return bound as unknown as Func;
    },
  });
}
