import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { BatchResult, SubmitBatchOptions } from './job-batch.ts';
import { submitBatch } from './job-batch.ts';
import {
  AbortedError,
  InvalidArgumentError,
  JobNotFoundError,
  PlatformError,
  QueueFullError,
  raceDeadline,
  sleep,
  throwIfAborted,
} from '../../core/index.ts';
import type {
  AwaitResultOptions,
  CancelOptions,
  FailedJob,
  JobBackend,
  JobInfo,
  QueueStatus,
  SubmitOptions,
  ToolDescriptor,
  WaitOptions,
} from './job-backend.ts';
import {
  DEFAULT_IDEMPOTENCY_WINDOW_MS,
  DEFAULT_JOB_DEADLINE_MS,
  DEFAULT_RESULT_TTL_MS,
  DEFAULT_WAIT_TIMEOUT_MS,
  isValidJobId,
} from './job-backend.ts';
import type { JobRunner } from './job-runner.ts';
import { awaitEnding } from './await-ending.ts';
import type { JobRunStart } from './job-metrics.ts';
import { JobMetrics } from './job-metrics.ts';
import { cancelVerdict, outcomeResult } from './job-outcomes.ts';
import type { JobEvent, JobResult } from './job-schema.ts';
import { parseJobRequest } from './job-schema.ts';

import type { EmbeddedJob, EmbeddedJobBackendOptions } from './embedded-job.ts';
import { DEFAULT_EMBEDDED_CONCURRENCY, EMBEDDED_WORKER_ID } from './embedded-job.ts';

export type { EmbeddedJobBackendOptions } from './embedded-job.ts';
export { DEFAULT_EMBEDDED_CONCURRENCY, EMBEDDED_WORKER_ID } from './embedded-job.ts';

/**
 * The same job API without Redis: jobs run in this process, in submission order (a
 * session's calls one after another), on the same JobRunner a worker uses. The default when
 * no Redis URL is given, so a first run needs nothing but Docker.
 */
export class EmbeddedJobBackend implements JobBackend {
  readonly mode = 'embedded';
  readonly sessionScope: string;
  /** Its job metrics; no process metrics (its process's own exporter has those). */
  readonly metrics: JobMetrics;
  readonly #runner: JobRunner;
  /** The runs of jobs that started, for their metrics when they end. */
  readonly #runs = new WeakMap<EmbeddedJob, JobRunStart>();
  readonly #jobs = new Map<string, EmbeddedJob>();
  readonly #queue: EmbeddedJob[] = [];
  /** Sessions with a call running: their next call waits for it. */
  readonly #busySessions = new Set<string>();
  readonly #concurrency: number;
  readonly #maxQueueLength: number;
  readonly #attempts: number;
  readonly #idempotencyWindowMs: number;
  readonly #resultTtlMs: number;
  readonly #idle = new Set<() => void>();
  #running = 0;
  /** Jobs run to their end, as a worker's heartbeat counts them (the overview's jobs/s). */
  #completed = 0;
  readonly #startedAt = Date.now();
  #closed = false;

  constructor({
    runner,
    concurrency = DEFAULT_EMBEDDED_CONCURRENCY,
    maxQueueLength = 10_000,
    attempts = 3,
    sessionScope = randomUUID(),
    idempotencyWindowMs = DEFAULT_IDEMPOTENCY_WINDOW_MS,
    resultTtlMs = DEFAULT_RESULT_TTL_MS,
  }: EmbeddedJobBackendOptions) {
    this.#runner = runner;
    this.#concurrency = concurrency;
    this.#maxQueueLength = maxQueueLength;
    this.#attempts = attempts;
    this.#idempotencyWindowMs = idempotencyWindowMs;
    this.#resultTtlMs = resultTtlMs;
    this.sessionScope = sessionScope;
    this.metrics = new JobMetrics({
      sessions: () => runner.sessionKeys.length,
      processMetrics: false,
    });
  }

  submit(options: SubmitOptions): Promise<string> {
    // Bad input rejects the promise, as the Redis client's does, rather than throwing.
    try {
      return Promise.resolve(this.#enqueue(options));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #enqueue({ request: input, jobId, deadlineMs, signal }: SubmitOptions): string {
    throwIfAborted(signal, 'Submitting the job');
    if (this.#closed) throw new InvalidArgumentError({ message: 'The job backend is closed' });
    if (jobId !== undefined && !isValidJobId(jobId)) {
      throw new InvalidArgumentError({
        message: `Job id ${JSON.stringify(jobId.slice(0, 60))} is not valid: use letters, digits, _ - . (at most 200), not only digits`,
      });
    }
    const request = parseJobRequest(input, this.#runner.limits);
    const id = jobId ?? randomUUID();
    if (this.#jobs.has(id)) return id; // an id runs once
    if (this.#queue.length >= this.#maxQueueLength) {
      throw new QueueFullError({
        queue: 'embedded',
        pending: this.#queue.length,
        limit: this.#maxQueueLength,
      });
    }
    const sessionKey =
      request.sessionId === undefined ? undefined : `${this.sessionScope}:${request.sessionId}`;
    const now = Date.now();
    const job: EmbeddedJob = {
      id,
      envelope: {
        request,
        submittedAt: now,
        deadlineAt: now + (deadlineMs ?? DEFAULT_JOB_DEADLINE_MS),
        ...(sessionKey === undefined ? {} : { sessionKey }),
      },
      events: [],
      listeners: new Set(),
      controller: new AbortController(),
      state: 'waiting',
      attempts: 0,
      keepMs: jobId === undefined ? this.#resultTtlMs : this.#idempotencyWindowMs,
    };
    this.#jobs.set(id, job);
    this.#queue.push(job);
    this.#pump();
    return id;
  }

  submitBatch(options: SubmitBatchOptions): AsyncGenerator<BatchResult> {
    return submitBatch({ jobs: this, ...options });
  }

  async wait({
    jobId,
    timeoutMs = DEFAULT_WAIT_TIMEOUT_MS,
    signal,
  }: WaitOptions): Promise<JobResult> {
    throwIfAborted(signal, `Waiting for job ${jobId}`);
    const job = this.#job(jobId);
    if (job.result) return job.result;
    const ended = new Promise<JobResult>((resolve) => {
      const listener = () => {
        if (job.result) {
          job.listeners.delete(listener);
          resolve(job.result);
        }
      };
      job.listeners.add(listener);
    });
    const ending = await raceDeadline({ promise: ended, timeoutMs, signal });
    if (ending.kind === 'value') return ending.value;
    const aborted = ending.kind === 'abort';
    const verdict = outcomeResult({
      jobId,
      request: job.envelope.request,
      status: aborted ? 'cancelled' : 'timed-out',
      detail: aborted ? '' : `(waited ${timeoutMs} ms)`,
    });
    // The deadline's result becomes the job's one result first; then the job is stopped.
    this.#end(job, verdict);
    this.#stop(job);
    if (aborted) {
      throw new AbortedError({
        message: `Waiting for job ${jobId} was aborted; the job was cancelled`,
        cause: ending.reason,
      });
    }
    return this.#jobs.get(jobId)?.result ?? verdict;
  }

  async awaitResult({ jobId, waitMs, signal }: AwaitResultOptions): Promise<JobResult | null> {
    throwIfAborted(signal, `Waiting for job ${jobId}`);
    const job = this.#job(jobId);
    if (job.result) return job.result;
    let listener: (() => void) | undefined;
    const ended = new Promise<JobResult>((resolve) => {
      listener = () => {
        if (job.result) resolve(job.result);
      };
      job.listeners.add(listener);
    });
    try {
      return await awaitEnding({ jobId, ending: ended, waitMs, signal });
    } finally {
      if (listener) job.listeners.delete(listener);
    }
  }

  async *events({
    jobId,
    signal,
  }: {
    jobId: string;
    signal?: AbortSignal;
  }): AsyncGenerator<JobEvent> {
    const job = this.#job(jobId);
    let next = 0;
    while (!signal?.aborted) {
      while (next < job.events.length) {
        const event = job.events[next++] as JobEvent;
        yield event;
        if (event.type === 'end') return;
      }
      let listener: (() => void) | undefined;
      await raceDeadline({
        promise: new Promise<void>((resolve) => {
          listener = resolve;
          job.listeners.add(resolve);
        }),
        signal,
      });
      if (listener) job.listeners.delete(listener);
    }
  }

  cancel({ jobId, reason = 'cancelled', waitedMs }: CancelOptions): Promise<boolean> {
    const job = this.#jobs.get(jobId);
    if (!job || job.state === 'done') return Promise.resolve(false);
    this.#end(job, cancelVerdict({ jobId, request: job.envelope.request, reason, waitedMs }));
    this.#stop(job);
    return Promise.resolve(true);
  }

  getJob({ jobId }: { jobId: string }): Promise<JobInfo> {
    try {
      const job = this.#job(jobId);
      return Promise.resolve(
        job.result
          ? { jobId, state: 'ended', workerId: job.result.workerId, result: job.result }
          : {
              jobId,
              state: job.state === 'running' ? 'running' : 'queued',
              workerId: job.state === 'running' ? EMBEDDED_WORKER_ID : null,
            },
      );
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  queueStatus(): Promise<QueueStatus> {
    return Promise.resolve({
      queue: 'embedded',
      workers: [
        {
          workerId: EMBEDDED_WORKER_ID,
          health: {
            status: this.#closed ? 'closed' : 'ok',
            host: hostname(),
            active: this.#running,
            completed: this.#completed,
            uptimeMs: Date.now() - this.#startedAt,
            sessions: this.#runner.sessionKeys.length,
          },
        },
      ],
      waiting: this.#queue.length,
      active: this.#running,
      sessions: this.#runner.sessionKeys.length,
    });
  }

  /** Resolves once no job is waiting or running (tests wait on this instead of sleeping). */
  drained(): Promise<void> {
    if (this.#running === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  #job(jobId: string): EmbeddedJob {
    const job = this.#jobs.get(jobId);
    if (!job) throw new JobNotFoundError({ jobId });
    return job;
  }

  /** Takes a waiting job out of the queue, or aborts a running one. */
  #stop(job: EmbeddedJob): void {
    const index = this.#queue.indexOf(job);
    if (index !== -1) this.#queue.splice(index, 1);
    else job.controller.abort();
    this.#settleIdle();
  }

  listFailed({ limit = 100 }: { limit?: number } = {}): Promise<FailedJob[]> {
    const failed = [...this.#jobs.values()].flatMap((job) => (job.failure ? [job.failure] : []));
    return Promise.resolve(failed.slice(0, limit));
  }

  toolDescriptors(): Promise<ToolDescriptor[]> {
    return Promise.resolve(
      [...this.#runner.executor.actions.values()].map((action) => ({
        name: action.name,
        isToolkit: action.isToolkit,
        description: action.description,
        apis: [...action.apis],
      })),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) {
      this.#end(
        job,
        outcomeResult({ jobId: job.id, request: job.envelope.request, status: 'cancelled' }),
      );
    }
    for (const job of this.#jobs.values()) if (job.state === 'running') job.controller.abort();
    await this.#runner.close();
  }

  #emit(job: EmbeddedJob, event: JobEvent): void {
    job.events.push(event);
    for (const listener of [...job.listeners]) listener();
  }

  #end(job: EmbeddedJob, result: JobResult): void {
    if (job.result) return;
    job.state = 'done';
    job.result = result;
    // Counted once, here, whatever ended it: its run, a cancel, a deadline, a close.
    const run = this.#runs.get(job);
    if (run) this.metrics.observeRun({ ...run, status: result.status });
    else this.metrics.observe({ kind: job.envelope.request.kind, status: result.status });
    this.#emit(job, { type: 'end', result });
    // Kept for its window (a repeated id answers from it), then forgotten.
    setTimeout(() => this.#jobs.delete(job.id), job.keepMs).unref();
  }

  /** Starts queued jobs, oldest first, skipping those whose session is busy. */
  #pump(): void {
    for (let index = 0; index < this.#queue.length && this.#running < this.#concurrency;) {
      const job = this.#queue[index] as EmbeddedJob;
      const sessionKey = job.envelope.sessionKey;
      if (sessionKey !== undefined && this.#busySessions.has(sessionKey)) {
        index += 1;
        continue;
      }
      this.#queue.splice(index, 1);
      this.#running += 1;
      if (sessionKey !== undefined) this.#busySessions.add(sessionKey);
      void this.#run(job).finally(() => {
        this.#running -= 1;
        this.#completed += 1;
        if (sessionKey !== undefined) this.#busySessions.delete(sessionKey);
        this.#pump();
        this.#settleIdle();
      });
    }
  }

  #settleIdle(): void {
    if (this.#running > 0 || this.#queue.length > 0) return;
    for (const resolve of this.#idle) resolve();
    this.#idle.clear();
  }

  async #run(job: EmbeddedJob): Promise<void> {
    if ((job.envelope.deadlineAt ?? Infinity) < Date.now()) {
      this.#end(
        job,
        outcomeResult({ jobId: job.id, request: job.envelope.request, status: 'expired' }),
      );
      return;
    }
    job.state = 'running';
    const { request, submittedAt } = job.envelope;
    const run = this.metrics.runStarted({ kind: request.kind, submittedAt });
    this.#runs.set(job, run);
    try {
      await this.#runAttempts(job);
    } finally {
      this.metrics.runEnded(run);
    }
  }

  /** Runs a job, retrying platform failures while it is open, until it ends. */
  async #runAttempts(job: EmbeddedJob): Promise<void> {
    for (;;) {
      job.attempts += 1;
      try {
        this.#emit(job, { type: 'started', workerId: EMBEDDED_WORKER_ID });
        const result = await this.#runner.run({
          jobId: job.id,
          envelope: job.envelope,
          workerId: EMBEDDED_WORKER_ID,
          signal: job.controller.signal,
          emit: (event) => this.#emit(job, event),
        });
        this.#end(job, result);
        return;
      } catch (error) {
        // Ended meanwhile (a deadline, a cancel): that result stands, and nothing runs again.
        if (job.result) return;
        const message = error instanceof Error ? error.message : String(error);
        if (PlatformError.isInstance(error) && error.isRetryable && job.attempts < this.#attempts) {
          await sleep(500 * 2 ** (job.attempts - 1), job.controller.signal).catch(() => undefined);
          if (job.result) return;
          continue;
        }
        job.failure = {
          jobId: job.id,
          reason: message,
          attempts: job.attempts,
          failedAt: Date.now(),
          queue: 'embedded',
        };
        this.#end(
          job,
          outcomeResult({
            jobId: job.id,
            request: job.envelope.request,
            status: 'failed',
            detail: message,
            workerId: EMBEDDED_WORKER_ID,
          }),
        );
        return;
      }
    }
  }
}
