/**
 * Counter rows per group for its membership version (migration 0003, R25): a write advances
 * the row `pg_backend_pid() % membershipVersionShards` of each group whose members it changed,
 * never the group row.
 */
export const membershipVersionShards = 32;
