import { randomUUID } from 'node:crypto';
import type { BatchResult, SubmitBatchOptions } from './job-batch.ts';
import { submitBatch } from './job-batch.ts';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  AbortedError,
  InvalidArgumentError,
  JobNotFoundError,
  raceDeadline,
  safeParseJson,
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
import { DEFAULT_JOB_DEADLINE_MS, DEFAULT_WAIT_TIMEOUT_MS, isValidJobId } from './job-backend.ts';
import { awaitEnding } from './await-ending.ts';
import { cancelVerdict, outcomeResult } from './job-outcomes.ts';
import type { JobEnvelope, JobEvent, JobResult, ParsedJobRequest } from './job-schema.ts';
import { parseJobEnvelope, parseJobRequest } from './job-schema.ts';
import type { JobState } from './job-state.ts';
import { parseJobState } from './job-state.ts';
import { openQueue, quiet } from './bull-queue.ts';
import { JobEventHub } from './job-event-hub.ts';
import { JobWatch } from './job-watch.ts';
import { readFailedJobs, readQueueStatus } from './queue-status.ts';
import type { ResultWaiter } from './result-inbox.ts';
import { ResultInbox } from './result-inbox.ts';
import {
  connectRedis,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  redisRequest,
  requireReady,
} from './redis-connection.ts';
import type { RedisKeys } from './redis-keys.ts';
import { DEFAULT_REDIS_URL, queueNameFromEnv, redisKeys } from './redis-keys.ts';
import { storeVerdict } from './redis-scripts.ts';
import type { KnownJob } from './job-submitter.ts';
import { JobSubmitter } from './job-submitter.ts';
import type {
  RedisJobClientOptions,
  ResolvedRedisJobClientOptions,
} from './redis-job-client-options.ts';
import { resolveRedisJobClientOptions } from './redis-job-client-options.ts';

export type { RedisJobClientOptions } from './redis-job-client-options.ts';
export {
  DEFAULT_JOB_ATTEMPTS,
  DEFAULT_LIVENESS_INTERVAL_MS,
  DEFAULT_MAX_QUEUE_LENGTH,
  DEFAULT_RETRY_BACKOFF_MS,
} from './redis-job-client-options.ts';

/**
 * Submits jobs to BullMQ on Redis and waits for their results. A session's calls go to the
 * queue of the worker that owns the session, in the order they were submitted. Every call
 * is bounded: connecting and each request fail with QueueUnavailableError when Redis does
 * not answer in time, and a wait ends with the job's result, with a "lost" result as soon as
 * its worker's lease or its record is gone, or with "timed out" at its deadline.
 */
export class RedisJobClient implements JobBackend {
  readonly mode = 'redis';
  readonly queueName: string;
  readonly sessionScope: string;
  readonly #keys: RedisKeys;
  readonly #redis: Redis;
  /** One connection reads the events of every job this client follows (made on first use). */
  #events: JobEventHub | undefined;
  readonly #inbox: ResultInbox;
  readonly #queues = new Map<string, Queue>();
  readonly #requests = new Map<string, KnownJob>();
  /** The last submit of each session: the next one starts after it. */
  readonly #sessionTails = new Map<string, Promise<unknown>>();
  readonly #options: ResolvedRedisJobClientOptions;
  readonly #watch: JobWatch;
  readonly #submitter: JobSubmitter;
  #closed = false;

  private constructor({
    options,
    redis,
    inbox,
    requests,
  }: {
    options: RedisJobClientOptions;
    redis: Redis;
    inbox: ResultInbox;
    requests: Map<string, KnownJob>;
  }) {
    this.queueName = options.queueName ?? queueNameFromEnv();
    this.sessionScope = options.sessionScope ?? randomUUID();
    this.#keys = redisKeys(this.queueName);
    this.#redis = redis;
    this.#inbox = inbox;
    this.#requests = requests;
    this.#options = resolveRedisJobClientOptions(options);
    this.#submitter = new JobSubmitter({
      redis,
      keys: this.#keys,
      queueName: this.queueName,
      queue: (name) => this.#queue(name),
      requests,
      maxQueueLength: this.#options.maxQueueLength,
      attempts: this.#options.attempts,
      backoffMs: this.#options.backoffMs,
    });
    this.#watch = new JobWatch({
      redis,
      keys: this.#keys,
      inbox,
      intervalMs: this.#options.livenessIntervalMs,
      describe: (jobId) => this.#describe(jobId),
    });
  }

  /**
   * Connects to Redis (at most `connectTimeoutMs`, else QueueUnavailableError) and starts
   * reading results.
   */
  static async connect(options: RedisJobClientOptions = {}): Promise<RedisJobClient> {
    const url = options.redisUrl ?? process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    // No auto-pipelining: a pipeline caught by a cut connection holds every later command
    // behind it until it completes, so one stuck request would hang them all.
    const redis = await connectRedis({ url, connectTimeoutMs, signal: options.signal });
    try {
      const reader = await connectRedis({ url, connectTimeoutMs, signal: options.signal });
      // Jobs this client submitted and whose result has not come yet.
      const requests = new Map<string, KnownJob>();
      // Results are read from the stream's current end: whatever ends after connect() is
      // seen, however late a wait starts.
      const inbox = await ResultInbox.open({
        redis,
        reader,
        stream: redisKeys(options.queueName ?? queueNameFromEnv()).results,
        keep: (jobId) => requests.delete(jobId),
        timeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      });
      return new RedisJobClient({ options, redis, inbox, requests });
    } catch (error) {
      redis.disconnect();
      throw error;
    }
  }

  submit({ request: input, jobId, deadlineMs, signal }: SubmitOptions): Promise<string> {
    try {
      throwIfAborted(signal, 'Submitting the job');
      this.#assertOpen();
      if (jobId !== undefined && !isValidJobId(jobId)) {
        throw new InvalidArgumentError({
          message: `Job id ${JSON.stringify(jobId.slice(0, 60))} is not valid: use letters, digits, _ - . (at most 200), not only digits`,
        });
      }
      const request = parseJobRequest(input, this.#options.limits);
      const sessionKey =
        request.sessionId === undefined ? undefined : `${this.sessionScope}:${request.sessionId}`;
      const submit = async () => {
        requireReady(this.#redis, 'Submitting the job');
        return redisRequest({
          what: 'Submitting the job',
          timeoutMs: this.#options.requestTimeoutMs,
          signal,
          promise: this.#submitter.submit({
            jobId: jobId ?? randomUUID(),
            request,
            sessionKey,
            deadlineMs: deadlineMs ?? DEFAULT_JOB_DEADLINE_MS,
            resultTtlMs:
              jobId === undefined ? this.#options.resultTtlMs : this.#options.idempotencyWindowMs,
          }),
        });
      };
      if (sessionKey === undefined) return submit();
      // A session's submits go one after another, so its calls queue in submission order.
      const previous = this.#sessionTails.get(sessionKey) ?? Promise.resolve();
      const next = previous.then(submit, submit);
      const tail = next.catch(() => undefined);
      this.#sessionTails.set(sessionKey, tail);
      void tail.then(() => {
        if (this.#sessionTails.get(sessionKey) === tail) this.#sessionTails.delete(sessionKey);
      });
      return next;
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
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
    const recent = this.#inbox.recent(jobId);
    if (recent) return recent;
    const waiter = await this.#beginWait(jobId, () => this.#state(jobId));
    const ending = await raceDeadline({ promise: waiter.promise, timeoutMs, signal });
    if (ending.kind === 'value') return ending.value;
    if (ending.kind === 'error') throw ending.error;
    const aborted = ending.kind === 'abort';
    const { request } = await this.#describe(jobId).catch(() => ({ request: undefined }));
    const verdict = outcomeResult({
      jobId,
      request,
      status: aborted ? 'cancelled' : 'timed-out',
      detail: aborted ? '' : `(waited ${timeoutMs} ms)`,
    });
    // The deadline's result becomes the job's one result first; then the job is stopped,
    // so the worker's own "cancelled" cannot take its place.
    const stored = await this.#stop(jobId, verdict).catch(() => false);
    this.#inbox.release(jobId, waiter);
    const ended = stored ? verdict : await this.#storedResult(jobId).catch(() => undefined);
    if (aborted) {
      throw new AbortedError({
        message:
          stored || ended === undefined
            ? `Waiting for job ${jobId} was aborted; the job was cancelled`
            : `Waiting for job ${jobId} was aborted; the job had already ended (${ended.status})`,
        cause: ending.reason,
      });
    }
    return ended ?? verdict;
  }

  async awaitResult({ jobId, waitMs, signal }: AwaitResultOptions): Promise<JobResult | null> {
    throwIfAborted(signal, `Waiting for job ${jobId}`);
    this.#assertOpen();
    const recent = this.#inbox.recent(jobId);
    if (recent) return recent;
    const waiter = await this.#beginWait(jobId, () =>
      redisRequest({
        what: `Reading job ${jobId}`,
        timeoutMs: this.#options.requestTimeoutMs,
        promise: this.#state(jobId),
      }),
    );
    try {
      return await awaitEnding({ jobId, ending: waiter.promise, waitMs, signal });
    } finally {
      this.#inbox.release(jobId, waiter);
    }
  }

  /**
   * The start of `wait` and `awaitResult`: the job's waiter (taken before the record is read,
   * so a result landing meanwhile still reaches it), resolved at once if the job ended. A
   * job this client submitted cannot end unseen (the results reader started first); any
   * other may have ended before, or not exist (JobNotFoundError). The caller releases it.
   */
  async #beginWait(
    jobId: string,
    readState: () => Promise<JobState | null>,
  ): Promise<ResultWaiter> {
    const waiter = this.#inbox.waiter(jobId);
    if (this.#requests.has(jobId)) return waiter;
    try {
      const state = await readState();
      if (state === null) throw new JobNotFoundError({ jobId });
      if (state.status === 'done') waiter.resolve(state.result);
      return waiter;
    } catch (error) {
      this.#inbox.release(jobId, waiter);
      throw error;
    }
  }

  events({ jobId, signal }: { jobId: string; signal?: AbortSignal }): AsyncIterable<JobEvent> {
    this.#events ??= new JobEventHub({
      reader: quiet(this.#redis.duplicate({ lazyConnect: false })),
      control: this.#redis,
      requestTimeoutMs: this.#options.requestTimeoutMs,
    });
    return this.#events.follow({
      stream: this.#keys.events(jobId),
      // The stream may have expired after the job ended: the stored result still is.
      storedResult: () => this.#storedResult(jobId),
      signal,
    });
  }

  async cancel({ jobId, reason = 'cancelled', waitedMs }: CancelOptions): Promise<boolean> {
    this.#assertOpen();
    return redisRequest({
      what: `Cancelling job ${jobId}`,
      timeoutMs: this.#options.requestTimeoutMs,
      promise: (async () => {
        const state = await this.#state(jobId);
        if (state === null || state.status === 'done') return false;
        const { request } = await this.#describe(jobId);
        return this.#stop(jobId, cancelVerdict({ jobId, request, reason, waitedMs }));
      })(),
    });
  }

  /**
   * Ends a job with a verdict and stops it: a queued job is taken out of its queue (a worker
   * that takes it anyway finds it ended), a running one is aborted by its worker (told on
   * the cancel channel, and by its own check of its jobs' records).
   */
  async #stop(jobId: string, verdict: JobResult): Promise<boolean> {
    const state = await this.#state(jobId);
    const stored = await storeVerdict(this.#redis, this.#keys, {
      result: verdict,
      stopRunning: true,
    });
    if (stored && state?.status === 'queued') {
      const name = state.owner ? this.#keys.workerQueue(state.owner) : this.#keys.sharedQueue;
      await this.#queue(name)
        .remove(jobId)
        .catch(() => 0);
    }
    return stored;
  }

  async getJob({ jobId }: { jobId: string }): Promise<JobInfo> {
    const state = await redisRequest({
      what: `Reading job ${jobId}`,
      timeoutMs: this.#options.requestTimeoutMs,
      promise: this.#state(jobId),
    });
    if (state === null) throw new JobNotFoundError({ jobId });
    if (state.status === 'done') {
      return { jobId, state: 'ended', workerId: state.result.workerId, result: state.result };
    }
    return {
      jobId,
      state: state.status,
      workerId: (state.status === 'running' ? state.worker : state.owner) || null,
    };
  }

  async queueStatus(): Promise<QueueStatus> {
    return redisRequest({
      what: 'Reading the queue status',
      timeoutMs: this.#options.requestTimeoutMs,
      promise: readQueueStatus({
        redis: this.#redis,
        keys: this.#keys,
        queue: (name) => this.#queue(name),
        queueName: this.queueName,
      }),
    });
  }

  async listFailed({ limit = 100 }: { limit?: number } = {}): Promise<FailedJob[]> {
    return redisRequest({
      what: 'Listing failed jobs',
      timeoutMs: this.#options.requestTimeoutMs,
      promise: readFailedJobs({
        redis: this.#redis,
        keys: this.#keys,
        queue: (name) => this.#queue(name),
        limit,
      }),
    });
  }

  async toolDescriptors(): Promise<ToolDescriptor[]> {
    const entries = await redisRequest({
      what: 'Reading the tools of the workers',
      timeoutMs: this.#options.requestTimeoutMs,
      promise: this.#redis.hgetall(this.#keys.tools),
    });
    return Object.values(entries).flatMap((text) => {
      const parsed = safeParseJson(text);
      return parsed.success ? [parsed.value as ToolDescriptor] : [];
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#watch.close();
    this.#events?.close();
    this.#inbox.close(
      new AbortedError({ message: 'The job client was closed while waiting for a result' }),
    );
    // The queues share this client's connection; closing them sends nothing.
    await Promise.all([...this.#queues.values()].map((queue) => queue.close()));
    // A polite QUIT, but never a hang when Redis is away.
    await raceDeadline({ promise: this.#redis.quit(), timeoutMs: 1_000 }).catch(() => undefined);
    this.#redis.disconnect();
  }

  #assertOpen(): void {
    if (this.#closed) throw new InvalidArgumentError({ message: 'This job client is closed' });
  }

  #queue(name: string): Queue {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = openQueue(name, this.#redis);
      this.#queues.set(name, queue);
    }
    return queue;
  }

  async #state(jobId: string): Promise<JobState | null> {
    return parseJobState(await this.#redis.get(this.#keys.state(jobId)));
  }

  async #storedResult(jobId: string): Promise<JobResult | undefined> {
    const state = await this.#state(jobId);
    return state?.status === 'done' ? state.result : undefined;
  }

  /** What a verdict on this job needs: its request (when known) and where its record is. */
  async #describe(
    jobId: string,
  ): Promise<{ request: ParsedJobRequest | undefined; sessionKey: string | undefined }> {
    const known = this.#requests.get(jobId);
    if (known) return { request: known.request, sessionKey: known.sessionKey };
    const state = await this.#state(jobId);
    if (state === null || state.status === 'done')
      return { request: undefined, sessionKey: undefined };
    const job = await this.#queue(
      state.owner ? this.#keys.workerQueue(state.owner) : this.#keys.sharedQueue,
    ).getJob(jobId);
    const envelope = job ? safeEnvelope(job.data) : undefined;
    return { request: envelope?.request, sessionKey: state.sessionKey };
  }
}

function safeEnvelope(data: unknown): JobEnvelope | undefined {
  try {
    return parseJobEnvelope(data);
  } catch {
    return undefined;
  }
}
