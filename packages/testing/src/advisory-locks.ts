/**
 * First key of the two-key advisory locks this package takes (the second is hashtext(name)).
 * Advisory locks are per database: everyone locks on the admin connection's database.
 */
export const TEMPLATE_LOCK_CLASS = 0x43535401;
export const RUN_LOCK_CLASS = 0x43535402;
