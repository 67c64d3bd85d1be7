import { type Stack, startStack } from "@cosafe/dev-stack";
import { createTestDatabase, freePort, type TestDatabase } from "@cosafe/testing";
import { run } from "../../src/main.js";
import type { TextSink } from "../../src/output.js";

/** Collects what the CLI writes. */
export class Capture implements TextSink {
  text = "";
  constructor(readonly isTTY = false) {}
  write(chunk: string) {
    this.text += chunk;
    return true;
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type Env = Record<string, string | undefined>;

/** Runs the CLI in-process with its own environment and captured streams. */
export async function cli(
  argv: string[],
  env: Env,
  options: { signal?: AbortSignal; tty?: boolean; stdout?: Capture } = {},
): Promise<CliResult> {
  const stdout = options.stdout ?? new Capture();
  const stderr = new Capture(options.tty ?? false);
  const code = await run(argv, {
    env,
    stdout,
    stderr,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

export const supportPerson = "support@cosafe.test";

/** The environment that points the CLI at a stack, with the stack's service credential. */
export function cliEnv(stack: Stack): Env {
  return {
    COSAFE_IDENTITY_CORE_URL: stack.identityCoreUrl,
    COSAFE_LICENSING_URL: stack.licensingUrl,
    COSAFE_SERVICE_NAME: stack.credential.service,
    COSAFE_SERVICE_SECRET: stack.credential.secret,
    COSAFE_SUPPORT_PERSON: supportPerson,
  };
}

export interface CliStack {
  stack: Stack;
  env: Env;
  /** The stack's database, for tests that simulate a crash between the services. */
  databaseUrl: string;
  /** Runs the CLI against this stack. */
  cli(
    argv: string[],
    options?: { signal?: AbortSignal; tty?: boolean; stdout?: Capture },
  ): Promise<CliResult>;
  stop(): Promise<void>;
}

/** The three services on a fresh, empty database (they migrate it themselves), on free ports. */
export async function startCliStack(): Promise<CliStack> {
  const database: TestDatabase = await createTestDatabase({
    template: { key: "empty", fingerprint: "v1", prepare: async () => {} },
  });
  let stack: Stack;
  try {
    stack = await startStack({
      databaseUrl: database.url,
      ports: { facade: await freePort(), identityCore: await freePort(), licensing: await freePort() },
      logLevel: "warn",
      quiet: true,
    });
  } catch (error) {
    await database.drop();
    throw error;
  }
  const env = cliEnv(stack);
  return {
    stack,
    env,
    databaseUrl: database.url,
    cli: (argv, options) => cli(argv, env, options),
    async stop() {
      await stack.stop();
      await database.drop();
    },
  };
}

/** Parses stdout of a `--json` run, failing with the CLI's stderr when it did not succeed. */
export function parseJson<T = Record<string, unknown>>(result: CliResult): T {
  if (result.code !== 0) throw new Error(`cosafe exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}
