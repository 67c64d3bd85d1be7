import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { repoRoot } from "./repo-root.js";

export type ServiceName = "identity-core" | "licensing" | "scim-facade";

export interface ServiceProcess {
  name: ServiceName;
  pid: number;
  /** Resolves with the exit code once the process is gone. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  quiet?: boolean;
  script?: "main" | "migrate";
  /**
   * Run the compiled `dist/<script>.js` under this root (a `pnpm build` output laid out as the
   * image's /app) the way the image does: its deploy/entrypoint.sh with SERVICE and
   * NODE_ENV=production (docs/adr/0020-production-build.md). Default: the sources through tsx.
   */
  compiledRoot?: string;
  /** Receives every line the service writes to stdout or stderr instead of our own streams (tests). */
  onLog?: (line: string) => void;
}

/**
 * Runs one service's main.ts (through tsx, or compiled) as a child process. Its JSON log lines go to
 * our stdout/stderr unchanged; COSAFE_PARENT_PID makes it follow us if we die.
 */
export function spawnService(
  name: ServiceName,
  env: Record<string, string>,
  options: SpawnOptions = {},
): ServiceProcess {
  const script = options.script ?? "main";
  const { compiledRoot } = options;
  const [command, args] = compiledRoot
    ? ["sh", [resolve(compiledRoot, "deploy", "entrypoint.sh"), script === "main" ? "serve" : "migrate"]]
    : [process.execPath, ["--import", "tsx", resolve(repoRoot, "services", name, "src", `${script}.ts`)]];
  const child: ChildProcess = spawn(command, args, {
    cwd: resolve(compiledRoot ?? repoRoot, "services", name),
    env: {
      ...process.env,
      ...(compiledRoot ? { NODE_ENV: "production", SERVICE: name } : {}),
      ...env,
      COSAFE_PARENT_PID: String(process.pid),
    },
    stdio: options.onLog
      ? ["ignore", "pipe", "pipe"]
      : ["ignore", options.quiet ? "ignore" : "inherit", options.quiet ? "pipe" : "inherit"],
  });
  if (options.onLog) {
    const onLog = options.onLog;
    for (const stream of [child.stdout, child.stderr]) {
      let rest = "";
      stream?.on("data", (chunk: Buffer) => {
        const lines = (rest + chunk.toString()).split("\n");
        rest = lines.pop() ?? "";
        for (const line of lines) if (line) onLog(line);
      });
    }
  }
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolveExit) => {
    child.once("exit", (code) => {
      if (code && options.quiet && stderr) process.stderr.write(`[${name}] ${stderr}`);
      resolveExit(code);
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  return {
    name,
    pid: child.pid,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs a service's migrate.ts to completion. */
export async function runMigrations(name: ServiceName, databaseUrl: string): Promise<void> {
  const child = spawnService(name, { DATABASE_URL: databaseUrl }, { script: "migrate" });
  const code = await child.exited;
  if (code !== 0) throw new Error(`${name} migrations failed (exit ${code})`);
}
