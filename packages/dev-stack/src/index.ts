export { bootstrapDemoTenant, type DemoTenant, demoInstructions } from "./bootstrap-demo-tenant.js";
export { productionNodeEnv, productionNodeOptions } from "./production-node-options.js";
export { repoRoot } from "./repo-root.js";
export { type ServiceProcess, spawnService } from "./service-process.js";
export { type Stack, type StackOptions, startStack } from "./stack.js";
