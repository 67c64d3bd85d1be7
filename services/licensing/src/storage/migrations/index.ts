import { Migration0001Licenses } from "./migration-0001-licenses.js";

/** Every migration of licensing, in order. New ones are appended, never edited. */
export const migrationsList = [{ name: "Migration0001Licenses", class: Migration0001Licenses }];
