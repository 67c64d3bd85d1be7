// Public surface of the support CLI package: tests and bin/cosafe.mjs call `run`.
export { ExitCode } from "./exit-codes.js";
export { main, type RunIO, run } from "./main.js";
