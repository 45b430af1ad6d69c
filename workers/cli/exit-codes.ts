// What `lagent` exits with, so scripts can tell a failed job from a failed lagent.

/** The job ran and succeeded (or the command did what it was asked). */
export const EXIT_OK = 0;
/**
 * The job ran and failed: the code raised, the tool answered with an error, or the job ended
 * without completing (cancelled, timed out, lost); `cancel`: the job had already ended.
 */
export const EXIT_JOB_FAILED = 1;
/** lagent could not do what was asked: bad usage or input, Redis unreachable, no worker, unknown job. */
export const EXIT_CANNOT_RUN = 2;
/** 128 + the signal's number, as shells report a process a signal stopped. */
export const EXIT_ON_SIGNAL = { SIGINT: 130, SIGTERM: 143 } as const;

export type InterruptSignal = keyof typeof EXIT_ON_SIGNAL;
