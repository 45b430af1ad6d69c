import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AbortedError, QueueFullError, safeParseJson } from '../../core/index.ts';
import type {
  FailedJob,
  JobBackend,
  SubmitOptions,
  ToolDescriptor,
  WaitOptions,
} from './job-backend.ts';
import { DEFAULT_WAIT_TIMEOUT_MS } from './job-backend.ts';
import { outcomeResult } from './job-outcomes.ts';
import type { JobEnvelope, JobEvent, JobResult, ParsedJobRequest } from './job-schema.ts';
import { parseJobEnvelope, parseJobRequest, parseJobResult } from './job-schema.ts';
import { readJobEvents } from './job-event-stream.ts';
import { ResultInbox } from './result-inbox.ts';
import { waitWithDeadline } from './wait-deadline.ts';
import { SubmitRouting } from './submit-routing.ts';
import type { JobState, RedisKeys } from './redis-keys.ts';
import {
  bullConnection,
  createRedis,
  queueNameFromEnv,
  DEFAULT_REDIS_URL,
  redisKeys,
} from './redis-keys.ts';
import { publishEnd } from './redis-scripts.ts';

/** Jobs waiting in one queue at most; one more is a QueueFullError. */
export const DEFAULT_MAX_QUEUE_LENGTH = 10_000;
/** Tries per job when a worker hits a platform failure before the user's code runs. */
export const DEFAULT_JOB_ATTEMPTS = 3;
export const DEFAULT_RETRY_BACKOFF_MS = 500;
/** How often waits check that the job's worker is still alive. */
export const DEFAULT_LIVENESS_INTERVAL_MS = 1_000;

/** What a client knows of a job it submitted. */
interface KnownJob {
  request: ParsedJobRequest;
  sessionKey?: string;
  worker?: string;
}

export interface RedisJobClientOptions {
  /** @default process.env.REDIS_URL, else DEFAULT_REDIS_URL */
  redisUrl?: string;
  /** @default process.env.LAGENT_QUEUE, else DEFAULT_QUEUE_NAME */
  queueName?: string;
  /**
   * Session ids are scoped: the same `sessionId` from two clients are two sessions, unless
   * they share a scope. @default a random scope per client
   */
  sessionScope?: string;
  /** @default DEFAULT_MAX_QUEUE_LENGTH */
  maxQueueLength?: number;
  /** @default DEFAULT_JOB_ATTEMPTS */
  attempts?: number;
  /** @default DEFAULT_RETRY_BACKOFF_MS */
  backoffMs?: number;
  /** @default DEFAULT_LIVENESS_INTERVAL_MS */
  livenessIntervalMs?: number;
}

/**
 * Submits jobs to BullMQ on Redis and waits for their results. A session's calls go to the
 * queue of the worker that owns the session; a wait ends with the job's result, or with a
 * "session lost" / "worker lost" result as soon as the worker's heartbeat stops, or with a
 * "timed out" result at its deadline: never a hang.
 */
export class RedisJobClient implements JobBackend {
  readonly mode = 'redis';
  readonly queueName: string;
  readonly sessionScope: string;
  readonly #url: string;
  readonly #keys: RedisKeys;
  readonly #redis: Redis;
  readonly #inbox: ResultInbox;
  readonly #queues = new Map<string, Queue>();
  readonly #routing: SubmitRouting;
  readonly #requests: Map<string, KnownJob>;
  readonly #options: Required<
    Omit<RedisJobClientOptions, 'redisUrl' | 'queueName' | 'sessionScope'>
  >;
  readonly #liveness: NodeJS.Timeout;
  #closed = false;

  private constructor({
    options,
    url,
    redis,
    inbox,
    requests,
  }: {
    options: RedisJobClientOptions;
    url: string;
    redis: Redis;
    inbox: ResultInbox;
    requests: Map<string, KnownJob>;
  }) {
    this.#url = url;
    this.queueName = options.queueName ?? queueNameFromEnv();
    this.sessionScope = options.sessionScope ?? randomUUID();
    this.#keys = redisKeys(this.queueName);
    this.#redis = redis;
    this.#inbox = inbox;
    this.#routing = new SubmitRouting({ redis, keys: this.#keys });
    this.#requests = requests;
    this.#options = {
      maxQueueLength: options.maxQueueLength ?? DEFAULT_MAX_QUEUE_LENGTH,
      attempts: options.attempts ?? DEFAULT_JOB_ATTEMPTS,
      backoffMs: options.backoffMs ?? DEFAULT_RETRY_BACKOFF_MS,
      livenessIntervalMs: options.livenessIntervalMs ?? DEFAULT_LIVENESS_INTERVAL_MS,
    };
    this.#liveness = setInterval(
      () => void this.#checkLiveness(),
      this.#options.livenessIntervalMs,
    );
    this.#liveness.unref();
  }

  static async connect(options: RedisJobClientOptions = {}): Promise<RedisJobClient> {
    const url = options.redisUrl ?? process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;
    const redis = createRedis(url, { enableAutoPipelining: true });
    // Jobs this client submitted and whose result has not come yet.
    const requests = new Map<string, KnownJob>();
    // Results are read from the stream's current end: whatever ends after connect() is seen,
    // however late a wait starts.
    const inbox = await ResultInbox.open({
      redis,
      reader: createRedis(url),
      stream: redisKeys(options.queueName ?? queueNameFromEnv()).results,
      keep: (jobId) => requests.delete(jobId),
    });
    return new RedisJobClient({ options, url, redis, inbox, requests });
  }

  async submit({ request: input, jobId = randomUUID(), signal }: SubmitOptions): Promise<string> {
    signal?.throwIfAborted();
    const request = parseJobRequest(input);
    const sessionKey =
      request.sessionId === undefined ? undefined : `${this.sessionScope}:${request.sessionId}`;
    let queueName = this.#keys.sharedQueue;
    let worker: string | undefined;
    if (sessionKey !== undefined) {
      const { owner, alive } = await this.#routing.sessionOwner(sessionKey);
      if (owner !== null && alive) {
        queueName = this.#keys.workerQueue(owner);
        worker = owner;
      } else if (owner !== null) {
        this.#routing.forgetSession(sessionKey);
        // The owner died: the session is gone. This call hears so; the next starts afresh.
        await this.#redis.del(this.#keys.session(sessionKey));
        this.#requests.set(jobId, { request, sessionKey });
        await publishEnd(
          this.#redis,
          this.#keys,
          jobId,
          outcomeResult({ jobId, request, status: 'session-lost', workerId: owner }),
        );
        return jobId;
      }
    }
    const queue = this.#queue(queueName);
    const pending = await this.#routing.claimPlace(queue);
    if (pending >= this.#options.maxQueueLength) {
      throw new QueueFullError({ queue: queueName, pending, limit: this.#options.maxQueueLength });
    }
    const envelope: JobEnvelope = {
      request,
      submittedAt: Date.now(),
      ...(sessionKey === undefined ? {} : { sessionKey }),
    };
    this.#requests.set(jobId, {
      request,
      ...(sessionKey === undefined ? {} : { sessionKey }),
      ...(worker === undefined ? {} : { worker }),
    });
    await queue.add('job', envelope, {
      jobId,
      attempts: this.#options.attempts,
      backoff: { type: 'exponential', delay: this.#options.backoffMs },
      // The result lives in the job's state key (which also makes an id run once), so the
      // finished BullMQ job is not kept.
      removeOnComplete: true,
      // Failed jobs stay listable (listFailed) for a day, at most 10,000 of them.
      removeOnFail: { age: 86_400, count: 10_000 },
    });
    return jobId;
  }

  async wait({
    jobId,
    timeoutMs = DEFAULT_WAIT_TIMEOUT_MS,
    signal,
  }: WaitOptions): Promise<JobResult> {
    signal?.throwIfAborted();
    const recent = this.#inbox.recent(jobId);
    if (recent) return recent;
    const waiter = this.#inbox.waiter(jobId);
    // A job this client submitted cannot end unseen: the results reader started first.
    // Any other job may have ended before this wait began.
    if (!this.#requests.has(jobId)) {
      const stored = await this.#storedResult(jobId);
      if (stored) waiter.resolve(stored);
    }
    const ending = await waitWithDeadline({ result: waiter.promise, timeoutMs, signal });
    if (ending.kind === 'result') return ending.value;
    const request = await this.#request(jobId);
    const deadline = outcomeResult({
      jobId,
      request,
      status: ending.kind === 'abort' ? 'cancelled' : 'timed-out',
      detail: ending.kind === 'abort' ? '' : `(waited ${timeoutMs} ms)`,
    });
    // The deadline's result becomes the job's one result first; then the job is stopped,
    // so the worker's own "cancelled" cannot take its place.
    const stored = await publishEnd(this.#redis, this.#keys, jobId, deadline);
    await this.#stop(jobId);
    if (ending.kind === 'abort') {
      throw new AbortedError({
        message: `Waiting for job ${jobId} was aborted; the job was cancelled`,
      });
    }
    return stored ? deadline : ((await this.#storedResult(jobId)) ?? deadline);
  }

  events({ jobId, signal }: { jobId: string; signal?: AbortSignal }): AsyncIterable<JobEvent> {
    return readJobEvents({
      reader: this.#redis.duplicate(),
      stream: this.#keys.events(jobId),
      // The stream may have expired after the job ended: the stored result still is.
      storedResult: () => this.#storedResult(jobId),
      isDone: () => this.#closed,
      ...(signal === undefined ? {} : { signal }),
    });
  }

  async cancel({ jobId }: { jobId: string }): Promise<boolean> {
    const state = await this.#state(jobId);
    if (state?.status === 'done') return false;
    const request = await this.#request(jobId);
    if (
      !(await publishEnd(
        this.#redis,
        this.#keys,
        jobId,
        outcomeResult({ jobId, request, status: 'cancelled' }),
      ))
    ) {
      return false;
    }
    await this.#stop(jobId);
    return true;
  }

  /** Takes the job out of its queue if it is still there, else tells its worker to abort it. */
  async #stop(jobId: string): Promise<void> {
    const known = this.#requests.get(jobId);
    const queues = [
      this.#keys.sharedQueue,
      ...(known?.worker ? [this.#keys.workerQueue(known.worker)] : []),
    ];
    for (const name of queues) {
      if (
        (await this.#queue(name)
          .remove(jobId)
          .catch(() => 0)) === 1
      )
        return;
    }
    await this.#redis.publish(this.#keys.cancel, jobId);
  }

  async listFailed({ limit = 100 }: { limit?: number } = {}): Promise<FailedJob[]> {
    const workers = await this.#redis.smembers(this.#keys.workers);
    const names = [
      this.#keys.sharedQueue,
      ...workers.map((worker) => this.#keys.workerQueue(worker)),
    ];
    const failed = await Promise.all(
      names.map(async (name) =>
        (await this.#queue(name).getFailed(0, limit - 1)).map((job) => ({
          jobId: job.id ?? '',
          reason: job.failedReason,
          attempts: job.attemptsMade,
          failedAt: job.finishedOn ?? null,
          queue: name,
        })),
      ),
    );
    return failed.flat().slice(0, limit);
  }

  async toolDescriptors(): Promise<ToolDescriptor[]> {
    const entries = await this.#redis.hgetall(this.#keys.tools);
    return Object.values(entries).flatMap((text) => {
      const parsed = safeParseJson(text);
      return parsed.success ? [parsed.value as ToolDescriptor] : [];
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#liveness);
    this.#inbox.close();
    await Promise.all([...this.#queues.values()].map((queue) => queue.close()));
    await this.#redis.quit();
  }

  #queue(name: string): Queue {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: bullConnection(this.#url) });
      this.#queues.set(name, queue);
    }
    return queue;
  }

  async #state(jobId: string): Promise<JobState | null> {
    const text = await this.#redis.get(this.#keys.state(jobId));
    const parsed = text === null ? undefined : safeParseJson(text);
    return parsed?.success ? (parsed.value as JobState) : null;
  }

  async #storedResult(jobId: string): Promise<JobResult | undefined> {
    const state = await this.#state(jobId);
    return state?.status === 'done' ? parseJobResult(state.result) : undefined;
  }

  async #request(jobId: string): Promise<ParsedJobRequest> {
    const known = this.#requests.get(jobId)?.request;
    if (known) return known;
    const job = await this.#queue(this.#keys.sharedQueue).getJob(jobId);
    return job
      ? parseJobEnvelope(job.data).request
      : { kind: 'run-code', code: '', language: 'python' };
  }

  /** Ends the waits whose job sits with a worker that stopped beating. */
  async #checkLiveness(): Promise<void> {
    const due = this.#inbox.waitingLongerThan(this.#options.livenessIntervalMs);
    if (due.length === 0 || this.#closed) return;
    const states = await Promise.all(due.map((jobId) => this.#state(jobId)));
    const suspects = new Map<string, string>();
    due.forEach((jobId, index) => {
      const state = states[index];
      // A result the reader missed (it reconnected, say) is still stored.
      if (state?.status === 'done') this.#inbox.resolve(jobId, parseJobResult(state.result));
      const worker =
        state && state.status !== 'done' ? state.worker : this.#requests.get(jobId)?.worker;
      if (worker !== undefined) suspects.set(jobId, worker);
    });
    const workers = [...new Set(suspects.values())];
    const alive = await Promise.all(
      workers.map((worker) => this.#redis.exists(this.#keys.worker(worker))),
    );
    const dead = new Set(workers.filter((_, index) => alive[index] === 0));
    for (const [jobId, worker] of suspects) {
      if (!dead.has(worker)) continue;
      const known = this.#requests.get(jobId);
      const request = await this.#request(jobId);
      const status = known?.sessionKey === undefined ? 'worker-lost' : 'session-lost';
      if (known?.sessionKey !== undefined)
        await this.#redis.del(this.#keys.session(known.sessionKey));
      await this.#queue(
        known?.worker ? this.#keys.workerQueue(known.worker) : this.#keys.sharedQueue,
      )
        .remove(jobId)
        .catch(() => 0);
      await publishEnd(
        this.#redis,
        this.#keys,
        jobId,
        outcomeResult({ jobId, request, status, workerId: worker }),
      );
      const stored = await this.#storedResult(jobId);
      if (stored) this.#inbox.resolve(jobId, stored);
    }
  }
}
