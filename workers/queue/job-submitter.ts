import type { JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { NoWorkerError, QueueFullError } from '../../core/index.ts';
import { outcomeResult } from './job-outcomes.ts';
import type { JobEnvelope, ParsedJobRequest } from './job-schema.ts';
import { parseJobState } from './job-state.ts';
import { QueueLengths } from './queue-lengths.ts';
import type { RedisKeys } from './redis-keys.ts';
import { DEFAULT_SESSION_TTL_MS } from './redis-keys.ts';
import { storeVerdict, submitJob } from './redis-scripts.ts';

/** What a client knows of a job it submitted. */
export interface KnownJob {
  request: ParsedJobRequest;
  sessionKey?: string;
}

export interface JobSubmitterOptions {
  redis: Redis;
  keys: RedisKeys;
  queueName: string;
  queue: (name: string) => Queue;
  /** Jobs this client submitted and whose result has not come yet. */
  requests: Map<string, KnownJob>;
  maxQueueLength: number;
  attempts: number;
  backoffMs: number;
}

/**
 * One submit: the job's record (its session's owner and place in line, its deadline) in
 * one script, then its BullMQ job on the owner's queue or the shared one. A submit that
 * fails half-way leaves nothing waiting on it: its record is ended, or completed by a
 * submit of the same id.
 */
export class JobSubmitter {
  readonly #options: JobSubmitterOptions;
  readonly #lengths = new QueueLengths();
  /** Sessions this client has used, and their owner when last seen. */
  readonly #owners = new Map<string, string>();

  constructor(options: JobSubmitterOptions) {
    this.#options = options;
  }

  async submit({
    jobId,
    request,
    sessionKey,
    deadlineMs,
    resultTtlMs,
  }: {
    jobId: string;
    request: ParsedJobRequest;
    sessionKey: string | undefined;
    deadlineMs: number;
    resultTtlMs: number;
  }): Promise<string> {
    const { redis, keys, requests } = this.#options;
    const knownOwner = sessionKey === undefined ? undefined : this.#owners.get(sessionKey);
    // Backpressure before anything is written: the queue the job will most likely go to.
    await this.#claimPlace(knownOwner ? keys.workerQueue(knownOwner) : keys.sharedQueue);
    const submission = await submitJob(redis, keys, {
      jobId,
      sessionKey,
      expectedOwner: knownOwner,
      deadlineMs,
      resultTtlS: Math.ceil(resultTtlMs / 1000),
      sessionTtlMs: DEFAULT_SESSION_TTL_MS,
    });
    if (submission.kind === 'no-worker')
      throw new NoWorkerError({ queue: this.#options.queueName });
    if (submission.kind === 'exists') {
      await this.#resume(jobId, request, submission.record);
      return jobId;
    }
    requests.set(jobId, { request, ...(sessionKey === undefined ? {} : { sessionKey }) });
    if (submission.kind === 'session-lost') {
      if (sessionKey !== undefined) this.#owners.delete(sessionKey);
      await storeVerdict(redis, keys, {
        result: outcomeResult({
          jobId,
          request,
          status: 'session-lost',
          workerId: submission.owner || null,
        }),
      });
      return jobId;
    }
    if (sessionKey !== undefined) this.#owners.set(sessionKey, submission.owner);
    const envelope: JobEnvelope = {
      request,
      submittedAt: Date.now(),
      deadlineAt: Date.now() + deadlineMs,
      ...(sessionKey === undefined ? {} : { sessionKey, seq: submission.seq }),
    };
    const queueName = submission.owner ? keys.workerQueue(submission.owner) : keys.sharedQueue;
    try {
      await this.#options.queue(queueName).add('job', envelope, this.#jobOptions(jobId));
    } catch (error) {
      // Its record exists: end it, so its session's later calls do not wait on it.
      await storeVerdict(redis, keys, {
        result: outcomeResult({
          jobId,
          request,
          status: 'failed',
          detail: '(it could not be queued)',
        }),
      }).catch(() => undefined);
      throw error;
    }
    return jobId;
  }

  async #claimPlace(queueName: string): Promise<void> {
    const { maxQueueLength, queue } = this.#options;
    const pending = await this.#lengths.claimPlace(queue(queueName));
    if (pending >= maxQueueLength)
      throw new QueueFullError({ queue: queueName, pending, limit: maxQueueLength });
  }

  #jobOptions(jobId: string): JobsOptions {
    return {
      jobId,
      attempts: this.#options.attempts,
      backoff: { type: 'exponential', delay: this.#options.backoffMs },
      // The result lives in the job's record (which also makes an id run once), so the
      // finished BullMQ job is not kept.
      removeOnComplete: true,
      // Failed jobs stay listable (listFailed) for a day, at most 10,000 of them.
      removeOnFail: { age: 86_400, count: 10_000 },
    };
  }

  /**
   * A job id submitted before: nothing runs again, and it has the one answer of its one run.
   * A submit that created the record but failed before the job reached its queue is
   * completed now: the job is added to the queue its record names (where BullMQ drops a
   * second add of an id). A copy this adds beside one in another queue, or after the first
   * was taken, is a second delivery of the job, which never runs it again nor answers for
   * its run (see JobProcessor and BEGIN_JOB).
   */
  async #resume(jobId: string, request: ParsedJobRequest, record: string): Promise<void> {
    const { keys, requests, queue } = this.#options;
    const state = parseJobState(record);
    if (state?.status !== 'queued') return;
    if (!requests.has(jobId)) requests.set(jobId, { request });
    const envelope: JobEnvelope = {
      request,
      submittedAt: Date.now(),
      ...(state.deadline === undefined ? {} : { deadlineAt: state.deadline }),
      ...(state.sessionKey === undefined ? {} : { sessionKey: state.sessionKey }),
      ...(state.seq === undefined ? {} : { seq: state.seq }),
    };
    const queueName = state.owner ? keys.workerQueue(state.owner) : keys.sharedQueue;
    await queue(queueName).add('job', envelope, this.#jobOptions(jobId));
  }
}
