import { AbortedError, raceDeadline } from '../../core/index.ts';
import type { JobResult } from './job-schema.ts';

/**
 * The race behind `awaitResult` on every backend: the job's result when `ending` brings it,
 * null once `waitMs` has passed, AbortedError when `signal` aborts. Neither changes the job.
 */
export async function awaitEnding({
  jobId,
  ending,
  waitMs,
  signal,
}: {
  jobId: string;
  ending: Promise<JobResult>;
  waitMs: number;
  signal?: AbortSignal | undefined;
}): Promise<JobResult | null> {
  const race = await raceDeadline({ promise: ending, timeoutMs: waitMs, signal });
  if (race.kind === 'value') return race.value;
  if (race.kind === 'error') throw race.error;
  if (race.kind === 'abort') {
    throw new AbortedError({
      message: `Waiting for job ${jobId} was aborted; the job goes on`,
      cause: race.reason,
    });
  }
  return null;
}
