import { Migration0001Licenses } from "./migration-0001-licenses.js";
import { Migration0002SeatLedger } from "./migration-0002-seat-ledger.js";
import { Migration0003SeatGrants } from "./migration-0003-seat-grants.js";

/** Every migration of licensing, in order. New ones are appended, never edited. */
export const migrationsList = [
  { name: "Migration0001Licenses", class: Migration0001Licenses },
  { name: "Migration0002SeatLedger", class: Migration0002SeatLedger },
  { name: "Migration0003SeatGrants", class: Migration0003SeatGrants },
];
