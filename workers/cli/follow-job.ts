import { AbortedError, PlatformError, raceDeadline } from '../../core/index.ts';
import type { JobBackend } from '../queue/job-backend.ts';
import type { JobEvent, JobResult } from '../queue/job-schema.ts';

/** After a job's result, how long its last output may take to arrive before it is left. */
export const DRAIN_OUTPUT_TIMEOUT_MS = 5_000;
/** How often `followJob` checks that a job it only watches still has a record. */
export const FOLLOW_CHECK_INTERVAL_MS = 5_000;

/** Where a job's stdout and stderr events go while it runs. */
export type LiveOutput = 'none' | 'stdio' | 'stderr';

export type FollowOutcome =
  { kind: 'ended'; result: JobResult; streamed: boolean } | { kind: 'interrupted' };

function writer(live: LiveOutput): (event: JobEvent) => boolean {
  return (event) => {
    if (event.type !== 'stdout' && event.type !== 'stderr') return false;
    (live === 'stdio' && event.type === 'stdout' ? process.stdout : process.stderr).write(
      event.text,
    );
    return true;
  };
}

/**
 * Waits for a job this command submitted, showing its output as it comes. When `signal`
 * aborts (Ctrl-C) the job is cancelled (the wait does it: its kernel is interrupted) and
 * the outcome is `interrupted`.
 */
export async function runJob({
  jobs,
  jobId,
  signal,
  live,
  waitTimeoutMs,
}: {
  jobs: JobBackend;
  jobId: string;
  signal: AbortSignal;
  live: LiveOutput;
  waitTimeoutMs: number;
}): Promise<FollowOutcome> {
  const show = writer(live);
  const stopReading = new AbortController();
  let streamed = false;
  // Reading the output never cancels the job; the wait does, when `signal` aborts.
  const reading =
    live === 'none'
      ? Promise.resolve()
      : (async () => {
          for await (const event of jobs.events({ jobId, signal: stopReading.signal })) {
            if (show(event)) streamed = true;
          }
        })();
  const waiting = jobs.wait({ jobId, timeoutMs: waitTimeoutMs, signal });
  // Whichever loses the race below still settles later: it must not be an unhandled rejection.
  waiting.catch(() => undefined);
  reading.catch(() => undefined);
  try {
    // A failure to read the output (Redis gone) ends the command rather than a silent wait.
    const result = await Promise.race([waiting, reading.then(() => waiting)]);
    await raceDeadline({ promise: reading, timeoutMs: DRAIN_OUTPUT_TIMEOUT_MS });
    return { kind: 'ended', result, streamed };
  } catch (error) {
    if (signal.aborted) return { kind: 'interrupted' };
    throw error;
  } finally {
    stopReading.abort();
  }
}

/**
 * Follows a job someone else submitted until it ends, without ever cancelling it: its
 * events (from its start) show its output, and the outcome is its result. When `signal`
 * aborts, following stops and the job goes on.
 */
export async function watchJob({
  jobs,
  jobId,
  signal,
  live,
}: {
  jobs: JobBackend;
  jobId: string;
  signal: AbortSignal;
  live: LiveOutput;
}): Promise<FollowOutcome> {
  const show = writer(live);
  const stop = new AbortController();
  let failure: PlatformError | undefined;
  // The event stream waits for an end that never comes if the job's record is lost (an
  // outage is the stream's to report).
  const check = setInterval(() => {
    jobs.getJob({ jobId }).catch((error: unknown) => {
      if (!PlatformError.isInstance(error) || error.code !== 'JOB_NOT_FOUND') return;
      failure = error;
      stop.abort();
    });
  }, FOLLOW_CHECK_INTERVAL_MS);
  let streamed = false;
  try {
    for await (const event of jobs.events({
      jobId,
      signal: AbortSignal.any([signal, stop.signal]),
    })) {
      if (show(event)) streamed = true;
      if (event.type === 'end') return { kind: 'ended', result: event.result, streamed };
    }
  } finally {
    clearInterval(check);
  }
  if (signal.aborted) return { kind: 'interrupted' };
  // Without a failure, the stream ended because the client closed.
  throw failure ?? new AbortedError({ message: `Following job ${jobId} stopped before its end` });
}
