import { randomUUID } from 'node:crypto';
import { AbortedError, PlatformError, QueueFullError } from '../../core/index.ts';
import type {
  FailedJob,
  JobBackend,
  SubmitOptions,
  ToolDescriptor,
  WaitOptions,
} from './job-backend.ts';
import { DEFAULT_WAIT_TIMEOUT_MS } from './job-backend.ts';
import type { JobRunner } from './job-runner.ts';
import { outcomeResult } from './job-outcomes.ts';
import { waitWithDeadline } from './wait-deadline.ts';
import type { JobEnvelope, JobEvent, JobResult } from './job-schema.ts';
import { parseJobRequest } from './job-schema.ts';

export const DEFAULT_EMBEDDED_CONCURRENCY = 4;
export const EMBEDDED_WORKER_ID = 'embedded';

export interface EmbeddedJobBackendOptions {
  runner: JobRunner;
  /** Jobs run at once. @default DEFAULT_EMBEDDED_CONCURRENCY */
  concurrency?: number;
  /** Jobs waiting at most. @default 10_000 */
  maxQueueLength?: number;
  /** Tries per job after a retryable platform failure. @default 3 */
  attempts?: number;
  /** @default a random scope */
  sessionScope?: string;
}

interface EmbeddedJob {
  id: string;
  envelope: JobEnvelope;
  events: JobEvent[];
  listeners: Set<() => void>;
  controller: AbortController;
  state: 'waiting' | 'running' | 'done';
  result?: JobResult;
  attempts: number;
  failure?: FailedJob;
}

/**
 * The same job API without Redis: jobs run in this process, in submission order, on the
 * same JobRunner a worker uses. The default when no Redis URL is given, so a first run
 * needs nothing but Docker.
 */
export class EmbeddedJobBackend implements JobBackend {
  readonly mode = 'embedded';
  readonly sessionScope: string;
  readonly #runner: JobRunner;
  readonly #jobs = new Map<string, EmbeddedJob>();
  readonly #queue: EmbeddedJob[] = [];
  readonly #concurrency: number;
  readonly #maxQueueLength: number;
  readonly #attempts: number;
  #running = 0;
  #closed = false;

  constructor({
    runner,
    concurrency = DEFAULT_EMBEDDED_CONCURRENCY,
    maxQueueLength = 10_000,
    attempts = 3,
    sessionScope = randomUUID(),
  }: EmbeddedJobBackendOptions) {
    this.#runner = runner;
    this.#concurrency = concurrency;
    this.#maxQueueLength = maxQueueLength;
    this.#attempts = attempts;
    this.sessionScope = sessionScope;
  }

  submit(options: SubmitOptions): Promise<string> {
    // Bad input rejects the promise, as the Redis client's does, rather than throwing.
    try {
      return Promise.resolve(this.#enqueue(options));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #enqueue({ request: input, jobId = randomUUID(), signal }: SubmitOptions): string {
    signal?.throwIfAborted();
    if (this.#closed)
      throw new PlatformError('INVALID_ARGUMENT', { message: 'The job backend is closed' });
    const request = parseJobRequest(input);
    if (this.#jobs.has(jobId)) return jobId; // an id runs once
    if (this.#queue.length >= this.#maxQueueLength) {
      throw new QueueFullError({
        queue: 'embedded',
        pending: this.#queue.length,
        limit: this.#maxQueueLength,
      });
    }
    const sessionKey =
      request.sessionId === undefined ? undefined : `${this.sessionScope}:${request.sessionId}`;
    const job: EmbeddedJob = {
      id: jobId,
      envelope: {
        request,
        submittedAt: Date.now(),
        ...(sessionKey === undefined ? {} : { sessionKey }),
      },
      events: [],
      listeners: new Set(),
      controller: new AbortController(),
      state: 'waiting',
      attempts: 0,
    };
    this.#jobs.set(jobId, job);
    this.#queue.push(job);
    this.#pump();
    return jobId;
  }

  async wait({
    jobId,
    timeoutMs = DEFAULT_WAIT_TIMEOUT_MS,
    signal,
  }: WaitOptions): Promise<JobResult> {
    const job = this.#jobs.get(jobId);
    if (!job) throw new PlatformError('INVALID_ARGUMENT', { message: `No job ${jobId}` });
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
    const ending = await waitWithDeadline({ result: ended, timeoutMs, signal });
    if (ending.kind === 'result') return ending.value;
    // The deadline's result becomes the job's one result first; then the job is stopped.
    this.#end(
      job,
      outcomeResult({
        jobId,
        request: job.envelope.request,
        status: ending.kind === 'abort' ? 'cancelled' : 'timed-out',
        detail: ending.kind === 'abort' ? '' : `(waited ${timeoutMs} ms)`,
      }),
    );
    this.#stop(job);
    if (ending.kind === 'abort') {
      throw new AbortedError({
        message: `Waiting for job ${jobId} was aborted; the job was cancelled`,
      });
    }
    return this.#jobs.get(jobId)?.result as JobResult;
  }

  async *events({
    jobId,
    signal,
  }: {
    jobId: string;
    signal?: AbortSignal;
  }): AsyncGenerator<JobEvent> {
    const job = this.#jobs.get(jobId);
    if (!job) throw new PlatformError('INVALID_ARGUMENT', { message: `No job ${jobId}` });
    let next = 0;
    while (!signal?.aborted) {
      while (next < job.events.length) {
        const event = job.events[next++] as JobEvent;
        yield event;
        if (event.type === 'end') return;
      }
      await new Promise<void>((resolve) => {
        const listener = () => {
          job.listeners.delete(listener);
          resolve();
        };
        job.listeners.add(listener);
      });
    }
  }

  cancel({ jobId }: { jobId: string }): Promise<boolean> {
    const job = this.#jobs.get(jobId);
    if (!job || job.state === 'done') return Promise.resolve(false);
    this.#end(job, outcomeResult({ jobId, request: job.envelope.request, status: 'cancelled' }));
    this.#stop(job);
    return Promise.resolve(true);
  }

  /** Takes a waiting job out of the queue, or aborts a running one. */
  #stop(job: EmbeddedJob): void {
    const index = this.#queue.indexOf(job);
    if (index !== -1) this.#queue.splice(index, 1);
    else job.controller.abort();
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
    this.#emit(job, { type: 'end', result });
  }

  #pump(): void {
    while (this.#running < this.#concurrency && this.#queue.length > 0) {
      const job = this.#queue.shift() as EmbeddedJob;
      this.#running += 1;
      void this.#run(job).finally(() => {
        this.#running -= 1;
        this.#pump();
      });
    }
  }

  async #run(job: EmbeddedJob): Promise<void> {
    job.state = 'running';
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
          await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** (job.attempts - 1)));
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
