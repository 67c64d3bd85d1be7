export { migrateUnderLock } from "./migrate-under-lock.js";
export { violatedConstraint } from "./unique-violation.js";
