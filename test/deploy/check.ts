import { checkDeployment } from "./check-deployment.js";

// `pnpm exec tsx test/deploy/check.ts` (run by .ci/run): the deployment files against the
// services' configuration, without a cluster or Docker.
const problems = checkDeployment();
for (const problem of problems) console.error(`deploy check: ${problem}`);
console.log(
  problems.length === 0
    ? "deploy check: compose and Kubernetes files are complete"
    : `deploy check: ${problems.length} problem(s)`,
);
process.exit(problems.length === 0 ? 0 : 1);
