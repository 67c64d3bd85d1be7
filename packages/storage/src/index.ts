export { isUuid } from "./is-uuid.js";
export { migrateUnderLock } from "./migrate-under-lock.js";
export { violatedConstraint } from "./unique-violation.js";
