// `pnpm test`: runs every vitest project once, with coverage, and ends with one plain summary
// line "N passed, N failed[, N skipped]" for CI, whose log reader does not know vitest's output.
// Extra arguments are passed to vitest (e.g. `pnpm test --project testing`).
import { spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { constants } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

type JsonReport = {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults?: { status: string; assertionResults?: { status: string }[] }[];
};

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const reportFile = ".vitest-report.json";
const vitest = join(root, "node_modules", ".bin", "vitest");

const extraArgs = process.argv.slice(2);
if (extraArgs[0] === "--") extraArgs.shift();

await rm(join(root, reportFile), { force: true });
const exitCode = await runVitest([
  "run",
  "--coverage.enabled",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${reportFile}`,
  ...extraArgs,
]);

const report = await readReport(join(root, reportFile));
if (report === undefined) {
  console.log("0 passed, 1 failed");
  process.exit(exitCode === 0 ? 1 : exitCode);
}
const failed = report.numFailedTests + fileLevelFailures(report);
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`${report.numPassedTests} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 && exitCode === 0 ? 1 : exitCode);

function runVitest(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(vitest, args, {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, NO_COLOR: process.env.NO_COLOR ?? "1" },
    });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.once("error", (error) => {
      console.error(`could not run ${vitest}: ${error.message}`);
      resolve(1);
    });
    child.once("close", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolve(code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)));
    });
  });
}

async function readReport(path: string): Promise<JsonReport | undefined> {
  try {
    const report = JSON.parse(await readFile(path, "utf8")) as Partial<JsonReport>;
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = report;
    if (
      [numPassedTests, numFailedTests, numPendingTests, numTodoTests].some(
        (value) => typeof value !== "number",
      )
    ) {
      return undefined;
    }
    return report as JsonReport;
  } catch {
    return undefined;
  }
}

/** Test files that failed without a failing test (e.g. an import error): one failure each. */
function fileLevelFailures(report: JsonReport): number {
  return (report.testResults ?? []).filter(
    (file) =>
      file.status === "failed" && !(file.assertionResults ?? []).some((test) => test.status === "failed"),
  ).length;
}
