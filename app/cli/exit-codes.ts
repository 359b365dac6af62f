/**
 * The command line's exit codes. The help text lists them (usage.ts), and scripts may rely on
 * them: keep the numbers stable. 64 and 70 follow BSD sysexits (EX_USAGE, EX_SOFTWARE).
 */
export const ExitCode = {
  /** Everything was checked and nothing needs attention. */
  Ok: 0,
  /** The check completed and found problems (a warning or worse). */
  ProblemsFound: 1,
  /** The check could not be completed, so nothing can be said (fails closed: never 0). */
  CouldNotCheck: 2,
  /** Unknown command or option, or a missing or malformed argument. */
  Usage: 64,
  /** A bug in Sealcheck. */
  Internal: 70,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
