import { Migration0001Foundation } from "./migration-0001-foundation.js";

/** Every migration of identity-core, in order. New ones are appended, never edited. */
export const migrationsList = [{ name: "Migration0001Foundation", class: Migration0001Foundation }];
