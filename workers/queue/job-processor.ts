import type { Job, Queue } from 'bullmq';
import { DelayedError, UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { PlatformError } from '../../core/index.ts';
import type { JobMetrics, JobRunStart } from './job-metrics.ts';
import type { JobRunner } from './job-runner.ts';
import { outcomeResult } from './job-outcomes.ts';
import type { JobEnvelope, JobStatus } from './job-schema.ts';
import { parseJobEnvelope } from './job-schema.ts';
import { parseJobState } from './job-state.ts';
import type { RedisKeys } from './redis-keys.ts';
import {
  beginJob,
  publishEvent,
  releaseJob,
  requeueJob,
  storeVerdict,
  storeWorkerResult,
} from './redis-scripts.ts';
import type { SessionTurns } from './session-turns.ts';
import { TurnUnblocker } from './turn-unblocker.ts';

/** A call that is not its session's turn goes back to its queue for this long. */
export const TURN_RETRY_DELAY_MS = 200;

export interface WorkerCounters {
  active: number;
  completed: number;
  failed: number;
  /** Jobs taken up after the worker running them died: reported lost, not run again. */
  recovered: number;
  /**
   * Second copies of jobs: delivered after the job had ended (answered from its stored
   * result), or while another live worker ran it (dropped: that run answers).
   */
  duplicates: number;
  /** Jobs a worker took after their deadline: answered `expired`, not run. */
  expired: number;
}

export interface JobProcessorOptions {
  redis: Redis;
  keys: RedisKeys;
  runner: JobRunner;
  logger: Logger;
  /** This worker's current id (it changes when the worker is fenced). */
  workerId: () => string;
  counters: WorkerCounters;
  turns: SessionTurns;
  /** Sessions this worker owns: their calls come to its own queue. */
  ownedSessions: Set<string>;
  /** Another worker's own queue, for a call whose session lives there. */
  ownerQueue: (owner: string) => Queue;
  /** Counts each job whose ending this worker handled (see JobProcessor). */
  metrics: JobMetrics;
}

interface RunningJob {
  controller: AbortController;
  sessionKey: string | undefined;
  workerId: string;
  /** Stopped because this worker lost its lease: its answer is that it was lost. */
  fenced: boolean;
  /** Resolves once this delivery is done here. */
  ended: Promise<void>;
}

/**
 * Runs one BullMQ delivery of a job, at most once in the job's life: it starts the job in
 * Redis (beginJob), waits for its session's turn, runs it, and stores its one result. Every
 * way a job can end without running is answered with a verdict, and ended as failed in
 * BullMQ's own view (UnrecoverableError) so its failed list says why.
 *
 * A job id may be delivered more than once (a resubmit, a forward or a reaper may add a
 * copy to another queue than the one holding it; BullMQ redelivers a job whose lock
 * lapsed). A second copy never answers for a run that goes on: here, it waits for the
 * delivery of the same id this worker holds; for a run on another live worker, it is
 * dropped (see beginJob). That worker's own delivery answers, or its death does: its own
 * queue is cleared by a reaper, and a job of the shared queue is redelivered by BullMQ's
 * stalled check once its lock (the lease) lapses.
 *
 * Metrics count each ended job once: a job that ran, by the worker that ran it once its run
 * returns, with the status its record ended with (its result, or a cancel or verdict that came
 * first); one that never ran, by the worker whose verdict ended it. Duplicates count nothing;
 * the run of a worker that died is not counted (its metrics died with it).
 */
export class JobProcessor {
  readonly #options: JobProcessorOptions;
  readonly #running = new Map<string, RunningJob>();
  readonly #unblocker: TurnUnblocker;

  constructor(options: JobProcessorOptions) {
    this.#options = options;
    this.#unblocker = new TurnUnblocker({ redis: options.redis, keys: options.keys });
  }

  /** Jobs running here now, with the id they started under. */
  get running(): ReadonlyMap<string, Readonly<RunningJob>> {
    return this.#running;
  }

  /** Stops a job running here: its kernel is interrupted, its isolate disposed. */
  abort(jobId: string, reason: string): boolean {
    const running = this.#running.get(jobId);
    if (!running) return false;
    running.controller.abort(new Error(reason));
    return true;
  }

  /** Stops every job running here; `fencedId`: those started under an id whose lease is lost. */
  abortAll(reason: string, fencedId?: string): void {
    for (const [jobId, running] of this.#running) {
      if (fencedId !== undefined && running.workerId !== fencedId) continue;
      if (fencedId !== undefined) running.fenced = true;
      this.abort(jobId, reason);
    }
  }

  async process(
    job: Job,
    token: string | undefined,
    bullSignal: AbortSignal | undefined,
  ): Promise<{ status: string }> {
    const jobId = job.id ?? '';
    const envelope = await this.#envelope(job, jobId);
    // Another delivery of this id is here (a second copy of the job): it goes first, and this
    // one then finds the job as that one left it (ended, as a rule). One delivery of an id
    // at a time here keeps its abort, its fencing and its session turn its own.
    for (let held = this.#running.get(jobId); held; held = this.#running.get(jobId)) {
      this.#options.logger.info({ jobId }, 'a second delivery waits for the one held here');
      await held.ended;
    }
    const controller = new AbortController();
    const signal = bullSignal
      ? AbortSignal.any([bullSignal, controller.signal])
      : controller.signal;
    const workerId = this.#options.workerId();
    const { promise: ended, resolve: end } = Promise.withResolvers<void>();
    this.#running.set(jobId, {
      controller,
      sessionKey: envelope.sessionKey,
      workerId,
      fenced: false,
      ended,
    });
    const turn =
      envelope.sessionKey !== undefined && envelope.seq !== undefined
        ? this.#options.turns.enter(envelope.sessionKey, envelope.seq)
        : undefined;
    try {
      const start = await this.#begin({ job, token, jobId, envelope, workerId, signal });
      if (start !== 'run') return { status: start };
      return await this.#run({ job, jobId, envelope, workerId, signal });
    } finally {
      this.#running.delete(jobId);
      end();
      turn?.leave();
    }
  }

  async #envelope(job: Job, jobId: string): Promise<JobEnvelope> {
    try {
      return parseJobEnvelope(job.data, this.#options.runner.limits);
    } catch (error) {
      // A job no worker can read, or over this worker's limits, fails alone, at once, unrun,
      // and its submitter hears why.
      const reason = PlatformError.isInstance(error) ? error.message : String(error);
      const stored = await storeVerdict(this.#options.redis, this.#options.keys, {
        result: outcomeResult({
          jobId,
          request: undefined,
          status: 'failed',
          detail: reason,
          workerId: this.#options.workerId(),
        }),
      });
      if (stored) this.#options.metrics.observe({ kind: 'unknown', status: 'failed' });
      throw new UnrecoverableError(reason);
    }
  }

  /** Starts the job in Redis, waiting for its session's turn; 'run' when its code may run. */
  async #begin({
    job,
    token,
    jobId,
    envelope,
    workerId,
    signal,
  }: {
    job: Job;
    token: string | undefined;
    jobId: string;
    envelope: JobEnvelope;
    workerId: string;
    signal: AbortSignal;
  }): Promise<string> {
    const { redis, keys, counters, turns } = this.#options;
    for (;;) {
      const start = await beginJob(redis, keys, { jobId, workerId });
      switch (start.kind) {
        case 'run':
          return 'run';
        case 'done':
          counters.duplicates += 1;
          return this.#alreadyEnded(jobId);
        case 'fenced':
          // This worker lost its lease: the job goes back for a live worker to take.
          await job.moveToDelayed(Date.now() + TURN_RETRY_DELAY_MS, token);
          throw new DelayedError();
        case 'missing':
          return this.#endUnrun({ jobId, envelope, status: 'lost' });
        case 'expired':
          counters.expired += 1;
          return this.#endUnrun({ jobId, envelope, status: 'expired' });
        case 'running':
          if (start.alive && start.worker !== workerId) {
            // A second copy of a job another live worker runs: that run gives its answer.
            counters.duplicates += 1;
            this.#options.logger.info(
              { jobId, worker: start.worker },
              'a second copy of a job running on a live worker is dropped',
            );
            return 'duplicate';
          }
          // Its worker died mid-run (its lease is gone), or it is this worker and no delivery
          // here runs it any more (the run that started it ended without a result): never
          // run the user's code twice.
          counters.recovered += 1;
          return this.#endUnrun({
            jobId,
            envelope,
            status: envelope.sessionKey === undefined ? 'worker-lost' : 'session-lost',
            workerId: start.worker || null,
            // A dead worker's run is its own to count: one of this worker's runs (the one
            // that started it ended without a result) is counted here.
            counted: start.worker === workerId,
          });
        case 'session-lost':
          return this.#endUnrun({
            jobId,
            envelope,
            status: 'session-lost',
            workerId: start.owner || null,
            detail: 'The call was not run.',
          });
        case 'owned-elsewhere':
          await this.#forward(job, jobId, start.owner);
          return 'routed';
        case 'wait': {
          const seq = envelope.seq ?? start.turn;
          const sessionKey = envelope.sessionKey ?? '';
          if (turns.holdsAllBefore(sessionKey, start.turn, seq)) {
            await turns.waitForPredecessor(sessionKey, seq, signal);
            continue;
          }
          // The call whose turn it is is not here: end it if it can never come, then let
          // it go first.
          await this.#unblocker.unblock({ sessionKey, turn: start.turn });
          await job.moveToDelayed(Date.now() + TURN_RETRY_DELAY_MS, token);
          throw new DelayedError();
        }
      }
    }
  }

  /**
   * A delivery of a job that has its result: a duplicate. One that ended lost (its worker
   * died running it: a poison job, maybe) ends as failed in BullMQ's view too, saying why.
   */
  async #alreadyEnded(jobId: string): Promise<string> {
    const { redis, keys } = this.#options;
    const state = parseJobState(await redis.get(keys.state(jobId)));
    const status = state?.status === 'done' ? state.result.status : 'unknown';
    if (status === 'completed' || status === 'cancelled') return 'already-done';
    throw new UnrecoverableError(`${status}: ended before this delivery`);
  }

  async #endUnrun({
    jobId,
    envelope,
    status,
    workerId = null,
    detail = '',
    counted = true,
  }: {
    jobId: string;
    envelope: JobEnvelope;
    status: Exclude<JobStatus, 'completed'>;
    workerId?: string | null;
    detail?: string;
    counted?: boolean;
  }): Promise<never> {
    const stored = await storeVerdict(this.#options.redis, this.#options.keys, {
      result: outcomeResult({ jobId, request: envelope.request, status, workerId, detail }),
    });
    if (stored && counted) this.#options.metrics.observe({ kind: envelope.request.kind, status });
    throw new UnrecoverableError(`${status}: not run`);
  }

  /**
   * How a job that ran here ended when another's ending came first (a cancel, a deadline);
   * none when its record shows no end or cannot be read (metrics never fail a job).
   */
  async #endedStatus(jobId: string): Promise<JobStatus | undefined> {
    const { redis, keys } = this.#options;
    try {
      const state = parseJobState(await redis.get(keys.state(jobId)));
      return state?.status === 'done' ? state.result.status : undefined;
    } catch {
      return undefined;
    }
  }

  /** Another worker owns the job's session: the job goes to its queue. */
  async #forward(job: Job, jobId: string, owner: string): Promise<void> {
    const { redis, keys, ownerQueue } = this.#options;
    if (!(await requeueJob(redis, keys, { jobId, owner }))) return;
    await ownerQueue(owner).add(job.name, job.data, { ...job.opts, jobId });
  }

  async #run({
    job,
    jobId,
    envelope,
    workerId,
    signal,
  }: {
    job: Job;
    jobId: string;
    envelope: JobEnvelope;
    workerId: string;
    signal: AbortSignal;
  }): Promise<{ status: string }> {
    const { redis, keys, runner, counters, ownedSessions, logger, metrics } = this.#options;
    const { sessionKey } = envelope;
    // A closed session is no longer this worker's to report (its next call starts it again).
    if (sessionKey !== undefined) {
      if (envelope.request.kind === 'close-session') ownedSessions.delete(sessionKey);
      else ownedSessions.add(sessionKey);
    }
    counters.active += 1;
    const { request, submittedAt } = envelope;
    const run = metrics.runStarted({ kind: request.kind, submittedAt });
    try {
      const result = await runner.run({
        jobId,
        envelope,
        workerId,
        signal,
        emit: (event) => void publishEvent(redis, keys, jobId, event).catch(() => undefined),
      });
      const endedAt = Date.now();
      const fenced = this.#running.get(jobId)?.fenced ?? false;
      const stored = fenced ? 'fenced' : await storeWorkerResult(redis, keys, { result, workerId });
      let ended = stored === 'stored' ? result.status : undefined;
      if (stored === 'fenced') {
        // Declared dead while the code ran: its result is refused; the job ends lost (unless
        // a verdict came first, or its record went with Redis's data: then it is "lost").
        const status = envelope.sessionKey === undefined ? 'worker-lost' : 'session-lost';
        const lost = await storeVerdict(redis, keys, {
          onlyIfKnown: true,
          result: outcomeResult({
            jobId,
            request: envelope.request,
            status,
            workerId,
            detail:
              'Its worker lost its lease on the queue (no heartbeat reached Redis in time) while the call ran, so the call was stopped and its result discarded.',
          }),
        });
        if (lost) ended = status;
        logger.warn({ jobId, workerId }, 'result refused: this worker was fenced');
      }
      ended ??= await this.#endedStatus(jobId);
      if (ended) metrics.observeRun({ ...run, status: ended, endedAt });
      counters.completed += 1;
      return { status: stored === 'stored' ? result.status : `refused (${stored})` };
    } catch (error) {
      return await this.#platformFailure({ job, jobId, envelope, workerId, error, run });
    } finally {
      counters.active -= 1;
      metrics.runEnded(run);
    }
  }

  async #platformFailure({
    job,
    jobId,
    envelope,
    workerId,
    error,
    run,
  }: {
    job: Job;
    jobId: string;
    envelope: JobEnvelope;
    workerId: string;
    error: unknown;
    run: JobRunStart;
  }): Promise<{ status: string }> {
    const { redis, keys, counters, logger, metrics } = this.#options;
    const endedAt = Date.now();
    const message = error instanceof Error ? error.message : String(error);
    const retryable = PlatformError.isInstance(error) && error.isRetryable;
    if (retryable && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) {
      // Platform errors come before the user's code starts: safe to retry, unless the job
      // ended meanwhile (its submitter's deadline, a cancel): that result stands.
      if (!(await releaseJob(redis, keys, { jobId, workerId }))) {
        const status = await this.#endedStatus(jobId);
        if (status) metrics.observeRun({ ...run, status, endedAt });
        return { status: 'ended-meanwhile' };
      }
      logger.warn({ jobId, error: message }, 'retrying after a platform failure');
      throw error instanceof Error ? error : new Error(message);
    }
    counters.failed += 1;
    const stored = await storeVerdict(redis, keys, {
      result: outcomeResult({
        jobId,
        request: envelope.request,
        status: 'failed',
        detail: message,
        workerId,
      }),
    });
    const status = stored ? 'failed' : await this.#endedStatus(jobId);
    if (status) metrics.observeRun({ ...run, status, endedAt });
    throw new UnrecoverableError(message);
  }
}
