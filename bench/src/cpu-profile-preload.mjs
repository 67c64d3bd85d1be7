// Preload for profiling a service that is started by a script (NODE_OPTIONS refuses --cpu-prof):
//   NODE_OPTIONS="--import=<this file>" CPU_PROFILE_DIR=/tmp/prof [CPU_PROFILE_DELAY_MS=8000]
// Starts V8's sampling profiler (after the delay, so start-up is left out) and writes
// <dir>/<pid>.cpuprofile when the process exits.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";

const dir = process.env.CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 500 });
  const start = () => session.post("Profiler.start");
  const delay = Number(process.env.CPU_PROFILE_DELAY_MS ?? 0);
  if (delay > 0) setTimeout(start, delay).unref();
  else start();
  process.on("exit", () => {
    session.post("Profiler.stop", (error, result) => {
      if (!error) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
