import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { ConnectionOptions, Job } from 'bullmq';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { PlatformError, ValidationError } from '../../core/index.ts';
import type { JobRunner } from './job-runner.ts';
import { outcomeResult } from './job-outcomes.ts';
import type { JobEnvelope } from './job-schema.ts';
import { parseJobEnvelope } from './job-schema.ts';
import {
  bullConnection,
  createRedis,
  queueNameFromEnv,
  DEFAULT_REDIS_URL,
  redisKeys,
} from './redis-keys.ts';
import type { RedisKeys } from './redis-keys.ts';
import {
  beginJob,
  JOB_STATE_TTL_S,
  publishEnd,
  publishEvent,
  releaseJob,
} from './redis-scripts.ts';
import type { WorkerHealthServer } from './worker-health.ts';
import { startHealthServer } from './worker-health.ts';

export const DEFAULT_WORKER_CONCURRENCY = 4;
/** A worker that has not refreshed its heartbeat for this long is dead to submitters. */
export const DEFAULT_HEARTBEAT_TTL_MS = 10_000;
export const DEFAULT_SESSION_TTL_MS = 30 * 60_000;
/** BullMQ's job lock: a job whose worker stops renewing it is redelivered after this. */
export const DEFAULT_LOCK_DURATION_MS = 30_000;
export const DEFAULT_SHUTDOWN_DEADLINE_MS = 30_000;

export interface ToolWorkerOptions {
  /** Runs the jobs: its executor's actions are the tools this worker serves. */
  runner: JobRunner;
  /** @default process.env.REDIS_URL, else DEFAULT_REDIS_URL */
  redisUrl?: string;
  /** @default process.env.LAGENT_QUEUE, else DEFAULT_QUEUE_NAME */
  queueName?: string;
  /** Jobs at once from the shared queue, and as many from this worker's own queue. @default DEFAULT_WORKER_CONCURRENCY */
  concurrency?: number;
  /** @default `<host>-<pid>-<random>` */
  workerId?: string;
  /** @default DEFAULT_HEARTBEAT_TTL_MS */
  heartbeatTtlMs?: number;
  /** @default DEFAULT_SESSION_TTL_MS */
  sessionTtlMs?: number;
  /** @default DEFAULT_LOCK_DURATION_MS */
  lockDurationMs?: number;
  /** Running jobs get this long to finish on close(); then they are cancelled. @default DEFAULT_SHUTDOWN_DEADLINE_MS */
  shutdownDeadlineMs?: number;
  /** @default a pino logger named 'lagent-worker' */
  logger?: Logger;
  /** Serve GET /health on this port (0 picks one). @default no health server */
  healthPort?: number;
  /** Close gracefully on SIGTERM / SIGINT, then exit. @default false */
  handleExitSignals?: boolean;
}

interface Counters {
  active: number;
  completed: number;
  failed: number;
  /** Jobs taken up after the worker running them died: reported lost, not run again. */
  recovered: number;
  /** Jobs delivered again after they had ended: answered from their stored result. */
  duplicates: number;
}

/**
 * A worker process's queue side: takes jobs from the shared queue and from its own queue
 * (where the calls of the sessions it owns are sent), runs each once, and publishes events
 * and one result per job. It keeps a heartbeat so submitters can tell when it is gone.
 */
export class ToolWorker {
  readonly id: string;
  readonly queueName: string;
  readonly #keys: RedisKeys;
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #runner: JobRunner;
  readonly #logger: Logger;
  readonly #options: Required<
    Pick<ToolWorkerOptions, 'heartbeatTtlMs' | 'sessionTtlMs' | 'shutdownDeadlineMs'>
  >;
  readonly #bullWorkers: Worker[] = [];
  readonly #ownQueue: Queue;
  readonly #sharedQueue: Queue;
  readonly #ownedSessions = new Set<string>();
  readonly #connection: ConnectionOptions;
  readonly #ownerQueues = new Map<string, Queue>();
  readonly #counters: Counters = {
    active: 0,
    completed: 0,
    failed: 0,
    recovered: 0,
    duplicates: 0,
  };
  readonly #startedAt = Date.now();
  #heartbeat: NodeJS.Timeout | undefined;
  #health: WorkerHealthServer | undefined;
  #draining = false;
  #closing: Promise<void> | undefined;

  private constructor(options: ToolWorkerOptions) {
    const url = options.redisUrl ?? process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;
    this.id = options.workerId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 6)}`;
    this.queueName = options.queueName ?? queueNameFromEnv();
    this.#keys = redisKeys(this.queueName);
    this.#runner = options.runner;
    this.#logger = options.logger ?? pino({ name: 'lagent-worker' });
    this.#options = {
      heartbeatTtlMs: options.heartbeatTtlMs ?? DEFAULT_HEARTBEAT_TTL_MS,
      sessionTtlMs: options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
      shutdownDeadlineMs: options.shutdownDeadlineMs ?? DEFAULT_SHUTDOWN_DEADLINE_MS,
    };
    this.#redis = createRedis(url, { enableAutoPipelining: true });
    this.#subscriber = createRedis(url);
    const connection = bullConnection(url);
    this.#connection = connection;
    this.#ownQueue = new Queue(this.#keys.workerQueue(this.id), { connection });
    this.#sharedQueue = new Queue(this.#keys.sharedQueue, { connection });
    const lockDuration = options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS;
    for (const name of [this.#keys.sharedQueue, this.#keys.workerQueue(this.id)]) {
      const worker = new Worker(name, (job, _token, signal) => this.#process(job, signal), {
        connection,
        concurrency: options.concurrency ?? DEFAULT_WORKER_CONCURRENCY,
        lockDuration,
        stalledInterval: lockDuration,
        maxStalledCount: 1,
        autorun: false,
      });
      worker.on('failed', (job, error) => {
        this.#logger.warn({ jobId: job?.id, error: error.message }, 'job failed');
      });
      worker.on('error', (error) => this.#logger.error({ error: error.message }, 'queue error'));
      this.#bullWorkers.push(worker);
    }
  }

  /** Connects, registers the worker and its tools, and starts taking jobs. */
  static async start(options: ToolWorkerOptions): Promise<ToolWorker> {
    const worker = new ToolWorker(options);
    await worker.#register();
    await worker.#subscriber.subscribe(worker.#keys.cancel);
    worker.#subscriber.on('message', (_channel, jobId: string) => {
      for (const bullWorker of worker.#bullWorkers)
        bullWorker.cancelJob(jobId, 'cancelled by the submitter');
    });
    for (const bullWorker of worker.#bullWorkers) {
      void bullWorker.run();
      await bullWorker.waitUntilReady();
    }
    if (options.healthPort !== undefined) {
      worker.#health = await startHealthServer({
        port: options.healthPort,
        report: () => worker.health(),
      });
    }
    if (options.handleExitSignals) {
      const onSignal = (signal: NodeJS.Signals) => {
        worker.#logger.info({ signal }, 'shutting down');
        void worker.close().finally(() => process.exit(0));
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
    }
    worker.#logger.info({ workerId: worker.id, queue: worker.queueName }, 'worker started');
    return worker;
  }

  /** The health endpoint's body. */
  health(): Record<string, unknown> {
    return {
      status: this.#draining ? 'draining' : 'ok',
      workerId: this.id,
      queue: this.queueName,
      ...this.#counters,
      sessions: this.#ownedSessions.size,
      uptimeMs: Date.now() - this.#startedAt,
    };
  }

  get healthUrl(): string | undefined {
    return this.#health?.url;
  }

  async #register(): Promise<void> {
    const tools: [string, string][] = [...this.#runner.executor.actions.values()].map((action) => [
      action.name,
      JSON.stringify({
        name: action.name,
        isToolkit: action.isToolkit,
        description: action.description,
        apis: action.apis,
      }),
    ]);
    const registration = this.#redis.multi().sadd(this.#keys.workers, this.id);
    // HSET with no fields is an error that would abort the whole transaction.
    if (tools.length > 0) registration.hset(this.#keys.tools, Object.fromEntries(tools));
    await registration.exec();
    await this.#beat();
    this.#heartbeat = setInterval(
      () => void this.#beat(),
      Math.max(200, this.#options.heartbeatTtlMs / 3),
    );
    this.#heartbeat.unref();
  }

  async #beat(): Promise<void> {
    const pipeline = this.#redis
      .pipeline()
      .set(
        this.#keys.worker(this.id),
        JSON.stringify(this.health()),
        'PX',
        this.#options.heartbeatTtlMs,
      );
    for (const sessionKey of this.#ownedSessions) {
      pipeline.pexpire(this.#keys.session(sessionKey), this.#options.sessionTtlMs);
    }
    await pipeline
      .exec()
      .catch((error: unknown) => this.#logger.error({ error: String(error) }, 'heartbeat failed'));
  }

  async #process(job: Job, signal: AbortSignal | undefined): Promise<{ status: string }> {
    const jobId = job.id ?? '';
    let envelope: JobEnvelope;
    try {
      envelope = parseJobEnvelope(job.data);
    } catch (error) {
      // A job no worker can read fails alone, at once, and its submitter hears why.
      const reason = error instanceof ValidationError ? error.message : String(error);
      await publishEnd(
        this.#redis,
        this.#keys,
        jobId,
        outcomeResult({
          jobId,
          request: { kind: 'run-code', code: '', language: 'python' },
          status: 'failed',
          detail: reason,
          workerId: this.id,
        }),
      );
      throw new UnrecoverableError(reason);
    }
    const begin = await beginJob(this.#redis, this.#keys, {
      jobId,
      workerId: this.id,
      sessionKey: envelope.sessionKey,
      sessionTtlMs: this.#options.sessionTtlMs,
    });
    if (begin.kind === 'done') {
      this.#counters.duplicates += 1;
      return { status: 'already-done' };
    }
    if (begin.kind === 'running-elsewhere') {
      this.#counters.recovered += 1;
      // Redelivered after its worker died mid-run: never run the user's code twice.
      const lost = outcomeResult({
        jobId,
        request: envelope.request,
        status: envelope.sessionKey ? 'session-lost' : 'worker-lost',
        workerId: begin.worker,
      });
      await publishEnd(this.#redis, this.#keys, jobId, lost);
      return { status: lost.status };
    }
    if (begin.kind === 'owned-elsewhere') {
      await this.#route(job, jobId, envelope, begin.owner);
      return { status: 'routed' };
    }
    if (envelope.sessionKey !== undefined) this.#ownedSessions.add(envelope.sessionKey);
    this.#counters.active += 1;
    try {
      const result = await this.#runner.run({
        jobId,
        envelope,
        workerId: this.id,
        signal,
        emit: (event) => void publishEvent(this.#redis, this.#keys, jobId, event),
      });
      await publishEnd(this.#redis, this.#keys, jobId, result);
      this.#counters.completed += 1;
      return { status: result.status };
    } catch (error) {
      return await this.#platformFailure(job, jobId, envelope, error);
    } finally {
      this.#counters.active -= 1;
    }
  }

  /** Another worker owns the job's session: send the job there, or report the session lost. */
  async #route(job: Job, jobId: string, envelope: JobEnvelope, owner: string): Promise<void> {
    if ((await this.#redis.exists(this.#keys.worker(owner))) === 1) {
      let ownerQueue = this.#ownerQueues.get(owner);
      if (!ownerQueue) {
        ownerQueue = new Queue(this.#keys.workerQueue(owner), { connection: this.#connection });
        this.#ownerQueues.set(owner, ownerQueue);
      }
      await this.#redis.set(
        this.#keys.state(jobId),
        JSON.stringify({ status: 'queued', worker: owner }),
        'EX',
        JOB_STATE_TTL_S,
      );
      await ownerQueue.add(job.name, job.data, { ...job.opts, jobId });
      return;
    }
    // The owner died: its session is gone. Say so once; the next call starts afresh.
    await this.#redis.del(this.#keys.session(envelope.sessionKey ?? ''));
    await publishEnd(
      this.#redis,
      this.#keys,
      jobId,
      outcomeResult({ jobId, request: envelope.request, status: 'session-lost', workerId: owner }),
    );
  }

  async #platformFailure(
    job: Job,
    jobId: string,
    envelope: JobEnvelope,
    error: unknown,
  ): Promise<{ status: string }> {
    const message = error instanceof Error ? error.message : String(error);
    const retryable = PlatformError.isInstance(error) && error.isRetryable;
    if (retryable && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) {
      // The user's code did not start (platform errors come before it): safe to retry,
      // unless the job ended meanwhile (its submitter's deadline, a cancel): that result stands.
      if (!(await releaseJob(this.#redis, this.#keys, { jobId, workerId: this.id }))) {
        return { status: 'ended-meanwhile' };
      }
      this.#logger.warn({ jobId, error: message }, 'retrying after a platform failure');
      throw error instanceof Error ? error : new Error(message);
    }
    this.#counters.failed += 1;
    await publishEnd(
      this.#redis,
      this.#keys,
      jobId,
      outcomeResult({
        jobId,
        request: envelope.request,
        status: 'failed',
        detail: message,
        workerId: this.id,
      }),
    );
    throw new UnrecoverableError(message);
  }

  /**
   * Stops taking jobs, lets running ones finish until the deadline, cancels the rest,
   * closes sessions and leaves. Submitters see the sessions it owned as lost.
   */
  close({
    deadlineMs = this.#options.shutdownDeadlineMs,
  }: { deadlineMs?: number } = {}): Promise<void> {
    this.#closing ??= (async () => {
      this.#draining = true;
      const closing = Promise.all(this.#bullWorkers.map((worker) => worker.close()));
      const timer = setTimeout(() => {
        for (const worker of this.#bullWorkers) worker.cancelAllJobs('the worker is shutting down');
      }, deadlineMs);
      await closing;
      clearTimeout(timer);
      clearInterval(this.#heartbeat);
      await this.#runner.close();
      await this.#redis
        .multi()
        .del(this.#keys.worker(this.id))
        .srem(this.#keys.workers, this.id)
        .exec();
      await this.#ownQueue.obliterate({ force: true }).catch(() => undefined);
      await Promise.all([
        this.#ownQueue.close(),
        this.#sharedQueue.close(),
        ...[...this.#ownerQueues.values()].map((queue) => queue.close()),
      ]);
      await this.#health?.close();
      this.#subscriber.disconnect();
      await this.#redis.quit();
      this.#logger.info({ workerId: this.id }, 'worker stopped');
    })();
    return this.#closing;
  }
}
