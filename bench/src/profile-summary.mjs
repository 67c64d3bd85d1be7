// Summarises a .cpuprofile: self time by package or source folder, and the top functions.
//   node bench/src/profile-summary.mjs <file.cpuprofile> [topN]
import { readFileSync } from "node:fs";

const [file, topArg = "25"] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const deltas = profile.timeDeltas;
profile.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);
const where = (url) => {
  if (!url) return "(native/vm)";
  const m =
    url.match(/node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/) ??
    url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (m) return m[1];
  if (url.startsWith("node:")) return url;
  const s = url.match(/\/(services|packages)\/([^/]+)\/(?:dist|src)\/([^/]+)/);
  return s ? `${s[1]}/${s[2]}/${s[3]}` : url;
};
const groups = new Map();
const fns = new Map();
for (const [id, t] of self) {
  const n = byId.get(id);
  const g =
    n.callFrame.functionName === "(garbage collector)"
      ? "(gc)"
      : n.callFrame.functionName === "(idle)"
        ? "(idle)"
        : where(n.callFrame.url);
  groups.set(g, (groups.get(g) ?? 0) + t);
  const key = `${n.callFrame.functionName || "(anon)"} ${where(n.callFrame.url)}:${n.callFrame.lineNumber}`;
  fns.set(key, (fns.get(key) ?? 0) + t);
}
const idle = groups.get("(idle)") ?? 0;
const busy = total - idle;
const show = (m) =>
  [...m]
    .filter(([k]) => k !== "(idle)" && !k.startsWith("(idle)"))
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(topArg))
    .forEach(([k, t]) => {
      console.log(`${((100 * t) / busy).toFixed(1).padStart(5)}%  ${k}`);
    });
console.log(`busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms`);
console.log("-- self time by package/folder");
show(groups);
console.log("-- top functions (self)");
show(fns);
