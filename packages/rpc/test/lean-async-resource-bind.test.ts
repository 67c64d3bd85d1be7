import { AsyncLocalStorage, AsyncResource, executionAsyncId } from "node:async_hooks";
import { describe, expect, it } from "vitest";
import { installLeanAsyncResourceBind } from "../src/lean-async-resource-bind.js";

describe("installLeanAsyncResourceBind", () => {
  installLeanAsyncResourceBind();

  it("binds as Node does: the resource's async scope, this, arguments, length", () => {
    const storage = new AsyncLocalStorage<string>();
    const { resource, bound } = storage.run("at bind", () => {
      const resource = new AsyncResource("test");
      const bound = resource.bind(function (this: unknown, a: number, b: number) {
        return { store: storage.getStore(), id: executionAsyncId(), self: this, sum: a + b };
      });
      return { resource, bound };
    });
    const self = { name: "caller" };
    const out = storage.run("at call", () => bound.call(self, 2, 3));
    expect(out).toEqual({ store: "at bind", id: resource.asyncId(), self, sum: 5 });
    expect(bound.length).toBe(2);
    expect((bound as unknown as { asyncResource: AsyncResource }).asyncResource).toBe(resource);
  });

  it("honours thisArg and the static AsyncResource.bind", () => {
    const that = { n: 1 };
    // Node's types leave thisArg out; the runtime takes it.
    const bindWithThis = AsyncResource.prototype.bind as (fn: unknown, thisArg: unknown) => () => unknown;
    const bound = bindWithThis.call(
      new AsyncResource("test"),
      function (this: typeof that) {
        return this;
      },
      that,
    );
    expect(bound()).toBe(that);
    expect(AsyncResource.bind((x: number) => x * 2)(21)).toBe(42);
  });

  it("builds no deprecated accessor, so a bind costs no deprecate() wrappers", () => {
    const bound = new AsyncResource("test").bind(() => undefined);
    const descriptor = Object.getOwnPropertyDescriptor(bound, "asyncResource");
    expect(descriptor?.get).toBeUndefined();
    expect(descriptor?.enumerable).toBe(true);
  });

  it("refuses a non-function as Node does", () => {
    expect(() => new AsyncResource("test").bind(42 as never)).toThrow(TypeError);
  });
});
