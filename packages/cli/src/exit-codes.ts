/**
 * Exit codes scripts can rely on (documented in packages/cli/README.md). Never renumber:
 * add new codes instead.
 */
export const ExitCode = {
  /** The command did what it was asked. */
  OK: 0,
  /** A service answered and refused or failed the request (not found, invalid, not available yet…). */
  FAILURE: 1,
  /** The command line or the configuration is wrong; nothing was sent. */
  USAGE: 2,
  /** A service could not be reached, timed out, or rejected the CLI's service credential. */
  UNAVAILABLE: 3,
  /** Interrupted (Ctrl-C) before the command finished. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
