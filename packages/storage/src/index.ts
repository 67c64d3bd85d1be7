export { migrateUnderLock } from "./migrate-under-lock.js";
export { violatedConstraint } from "./unique-violation.js";
export { isUuid } from "./is-uuid.js";
