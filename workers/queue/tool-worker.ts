import { hostname } from 'node:os';
import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { openQueue, openWorker } from './bull-queue.ts';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { InvalidArgumentError, QueueUnavailableError, raceDeadline } from '../../core/index.ts';
import { DeadWorkerReaper } from './dead-worker-reaper.ts';
import type { WorkerCounters } from './job-processor.ts';
import { JobMetrics } from './job-metrics.ts';
import { JobProcessor } from './job-processor.ts';
import type { JobRunner } from './job-runner.ts';
import { parseJobState } from './job-state.ts';
import { describeRedisUrl, logOutages, requireNoEviction } from './redis-connection.ts';
import type { RedisKeys } from './redis-keys.ts';
import {
  bullConnection,
  createRedis,
  DEFAULT_REDIS_URL,
  DEFAULT_SESSION_TTL_MS,
  queueNameFromEnv,
  redisKeys,
} from './redis-keys.ts';
import { SessionTurns } from './session-turns.ts';
import type { WorkerHealthServer } from './worker-health.ts';
import { startHealthServer } from './worker-health.ts';
import { WorkerLease } from './worker-lease.ts';

import type { ToolWorkerOptions } from './tool-worker-options.ts';
import {
  DEFAULT_LEASE_MS,
  DEFAULT_MAX_STARTED_ATTEMPTS,
  DEFAULT_SHUTDOWN_DEADLINE_MS,
  DEFAULT_WORKER_CONCURRENCY,
  DEFAULT_WORKER_CONNECT_TIMEOUT_MS,
} from './tool-worker-options.ts';

export type { ToolWorkerOptions } from './tool-worker-options.ts';
export {
  DEFAULT_LEASE_MS,
  DEFAULT_MAX_STARTED_ATTEMPTS,
  DEFAULT_SESSION_TTL_MS,
  DEFAULT_SHUTDOWN_DEADLINE_MS,
  DEFAULT_WORKER_CONCURRENCY,
  DEFAULT_WORKER_CONNECT_TIMEOUT_MS,
} from './tool-worker-options.ts';

/**
 * A worker process's queue side: takes jobs from the shared queue and from its own queue
 * (where the calls of the sessions it owns are sent), runs each at most once, and publishes
 * events and one result per job. It holds a lease on its id (its heartbeat); it rides out
 * Redis outages of any length, and when its lease has run out meanwhile it stops what ran
 * under that id and comes back under a new one. It also clears the queues of dead workers.
 */
export class ToolWorker {
  readonly queueName: string;
  /** Its job metrics (GET /metrics on the health port); a service may merge its registry. */
  readonly metrics: JobMetrics;
  readonly #keys: RedisKeys;
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #runner: JobRunner;
  readonly #logger: Logger;
  readonly #connection: ReturnType<typeof bullConnection>;
  readonly #options: {
    concurrency: number;
    leaseMs: number;
    sessionTtlMs: number;
    maxStartedAttempts: number;
    shutdownDeadlineMs: number;
  };
  readonly #ownedSessions = new Set<string>();
  readonly #ownerQueues = new Map<string, Queue>();
  readonly #counters: WorkerCounters = {
    active: 0,
    completed: 0,
    failed: 0,
    recovered: 0,
    duplicates: 0,
    expired: 0,
  };
  readonly #startedAt = Date.now();
  readonly #processor: JobProcessor;
  #sharedWorker: Worker | undefined;
  /** This incarnation's own queue and its consumer. */
  #own: { workerId: string; worker: Worker } | undefined;
  #lease: WorkerLease | undefined;
  #reaper: DeadWorkerReaper | undefined;
  #health: WorkerHealthServer | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #draining = false;
  #closing: Promise<void> | undefined;

  private constructor(options: ToolWorkerOptions, url: string, redis: Redis, subscriber: Redis) {
    this.queueName = options.queueName ?? queueNameFromEnv();
    this.#keys = redisKeys(this.queueName);
    this.#runner = options.runner;
    this.#logger = options.logger ?? pino({ name: 'lagent-worker' });
    this.#redis = redis;
    this.#subscriber = subscriber;
    this.#connection = bullConnection(url);
    this.#options = {
      concurrency: options.concurrency ?? DEFAULT_WORKER_CONCURRENCY,
      leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
      sessionTtlMs: options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
      maxStartedAttempts: options.maxStartedAttempts ?? DEFAULT_MAX_STARTED_ATTEMPTS,
      shutdownDeadlineMs: options.shutdownDeadlineMs ?? DEFAULT_SHUTDOWN_DEADLINE_MS,
    };
    this.metrics = new JobMetrics({ sessions: () => this.#ownedSessions.size });
    this.#processor = new JobProcessor({
      redis,
      keys: this.#keys,
      runner: this.#runner,
      logger: this.#logger,
      workerId: () => this.id,
      counters: this.#counters,
      turns: new SessionTurns(),
      ownedSessions: this.#ownedSessions,
      ownerQueue: (owner) => this.#ownerQueue(owner),
      metrics: this.metrics,
    });
  }

  /** Connects, registers the worker and its tools, and starts taking jobs. */
  static async start(options: ToolWorkerOptions): Promise<ToolWorker> {
    const url = options.redisUrl ?? process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;
    const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    if (!(leaseMs >= 1_000))
      throw new InvalidArgumentError({ message: `leaseMs must be at least 1000, got ${leaseMs}` });
    // No auto-pipelining (see RedisJobClient.connect): heartbeats must not queue behind a
    // pipeline a cut connection holds.
    const redis = createRedis(url);
    const subscriber = createRedis(url);
    const worker = new ToolWorker(options, url, redis, subscriber);
    try {
      await worker.#connect(options, url);
    } catch (error) {
      await worker.#abandon();
      throw error;
    }
    worker.#logger.info({ workerId: worker.id, queue: worker.queueName }, 'worker started');
    return worker;
  }

  async #connect(options: ToolWorkerOptions, url: string): Promise<void> {
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_WORKER_CONNECT_TIMEOUT_MS;
    // Errors are logged, not thrown: ioredis reconnects by itself, and so do we.
    logOutages({ connection: this.#redis, name: 'commands', logger: this.#logger });
    logOutages({ connection: this.#subscriber, name: 'cancels', logger: this.#logger });
    const ping = await raceDeadline({ promise: this.#redis.ping(), timeoutMs });
    if (ping.kind !== 'value') {
      throw new QueueUnavailableError({
        reason: 'unreachable',
        message: `The worker cannot reach Redis at ${describeRedisUrl(url)} (no answer within ${timeoutMs} ms${
          ping.kind === 'error' ? `: ${String(ping.error)}` : ''
        }): is it running, and is REDIS_URL or --redis-url right?`,
      });
    }
    await requireNoEviction({
      redis: this.#redis,
      allow: options.allowEviction ?? false,
      logger: this.#logger,
    });
    this.#lease = await WorkerLease.acquire({
      redis: this.#redis,
      keys: this.#keys,
      baseId: options.workerId ?? `${hostname()}-${process.pid}`,
      firstId: options.workerId,
      leaseMs: this.#options.leaseMs,
      sessionTtlMs: this.#options.sessionTtlMs,
      health: () => this.health(),
      sessions: () => [...this.#ownedSessions],
      onRegistered: (workerId) => this.#registered(workerId),
      onFenced: (fenced) => this.#fenced(fenced),
      logger: this.#logger,
    });
    await this.#subscriber.subscribe(this.#keys.cancel);
    this.#subscriber.on('message', (_channel, jobId: string) => {
      this.#processor.abort(jobId, 'cancelled by the submitter');
    });
    // The cancel channel can miss a message (a reconnect): the records say it too.
    this.#watchdog = setInterval(
      () => void this.#checkRunningJobs().catch(() => undefined),
      this.#lease.intervalMs,
    );
    this.#watchdog.unref();
    this.#sharedWorker = this.#bullWorker(this.#keys.sharedQueue);
    void this.#sharedWorker.run();
    await this.#sharedWorker.waitUntilReady();
    await this.#own?.worker.waitUntilReady();
    this.#reaper = new DeadWorkerReaper({
      redis: this.#redis,
      keys: this.#keys,
      selfId: () => this.id,
      canReap: () => (this.#lease?.held ?? false) && !this.#draining,
      adopt: async ({ id, name, data, opts, owner }) => {
        await this.#ownerQueue(owner).add(name, data, { ...opts, jobId: id });
      },
      intervalMs: this.#options.leaseMs,
      logger: this.#logger,
    });
    if (options.healthPort !== undefined) {
      this.#health = await startHealthServer({
        port: options.healthPort,
        report: () => this.health(),
        metrics: this.metrics.registry,
      });
    }
    if (options.handleExitSignals) {
      const onSignal = (signal: NodeJS.Signals) => {
        this.#logger.info({ signal }, 'shutting down');
        void this.close().finally(() => process.exit(0));
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
    }
  }

  /**
   * A start that failed: drop the Redis side at once (Redis may not answer a polite close)
   * and close the runner, which the worker owns from the start.
   */
  async #abandon(): Promise<void> {
    this.#closing ??= Promise.resolve();
    this.#lease?.close();
    this.#reaper?.close();
    clearInterval(this.#watchdog);
    for (const worker of [this.#sharedWorker, this.#own?.worker]) {
      void worker?.close(true).catch(() => undefined);
    }
    void this.#health?.close();
    this.#subscriber.disconnect();
    this.#redis.disconnect();
    await raceDeadline({ promise: this.#runner.close(), timeoutMs: 10_000 });
  }

  /** The current id; it changes when the worker was fenced and came back. */
  get id(): string {
    return this.#lease?.id ?? 'unregistered';
  }

  /** The health endpoint's body (also the heartbeat's). */
  health(): Record<string, unknown> {
    return {
      status: this.#draining ? 'draining' : this.#lease?.reconnecting ? 'reconnecting' : 'ok',
      workerId: this.id,
      host: hostname(),
      queue: this.queueName,
      ...this.#counters,
      sessions: this.#ownedSessions.size,
      incarnations: this.#lease?.incarnations ?? 0,
      uptimeMs: Date.now() - this.#startedAt,
    };
  }

  get healthUrl(): string | undefined {
    return this.#health?.url;
  }

  /** Clears dead workers' queues now (it also runs every lease). */
  async reapDeadWorkers(): Promise<string[]> {
    return (await this.#reaper?.sweep()) ?? [];
  }

  /** A registration succeeded under `workerId`: publish the tools, consume its own queue. */
  async #registered(workerId: string): Promise<void> {
    const tools = [...this.#runner.executor.actions.values()].map((action): [string, string] => [
      action.name,
      JSON.stringify({
        name: action.name,
        isToolkit: action.isToolkit,
        description: action.description,
        apis: action.apis,
      }),
    ]);
    // HSET with no fields is an error.
    if (tools.length > 0) await this.#redis.hset(this.#keys.tools, Object.fromEntries(tools));
    if (this.#own?.workerId === workerId || this.#closing) return;
    const worker = this.#bullWorker(this.#keys.workerQueue(workerId));
    this.#own = { workerId, worker };
    void worker.run();
  }

  /**
   * The lease of `workerId` ran out: everything that ran under it stops. Its jobs are
   * aborted (their results would be refused), its sessions closed (others were or will be
   * told they are lost), its own queue left for a live worker's reaper to answer.
   */
  async #fenced({ workerId }: { workerId: string; reason: string }): Promise<void> {
    this.#processor.abortAll('the worker lost its lease on the queue', workerId);
    const sessions = [...this.#ownedSessions];
    this.#ownedSessions.clear();
    // Each step is bounded: Redis may still be away, and the worker must come back anyway.
    const bound = this.#options.leaseMs;
    await raceDeadline({
      promise: Promise.all(
        sessions.map((key) => this.#runner.closeSession(key).catch(() => undefined)),
      ),
      timeoutMs: bound,
    });
    const own = this.#own;
    if (own?.workerId === workerId) {
      this.#own = undefined;
      // Its queue is left to a live worker's reaper, which answers what is queued there.
      void own.worker.close(true).catch(() => undefined);
    }
    // If Redis answers, the old id is dead at once rather than when its lease expires.
    await raceDeadline({ promise: this.#redis.del(this.#keys.worker(workerId)), timeoutMs: 1_000 });
  }

  #bullWorker(queueName: string): Worker {
    return openWorker({
      queueName,
      process: (job, token, signal) => this.#processor.process(job, token, signal),
      connection: this.#connection,
      concurrency: this.#options.concurrency,
      leaseMs: this.#options.leaseMs,
      maxStartedAttempts: this.#options.maxStartedAttempts,
      logger: this.#logger,
    });
  }

  #ownerQueue(owner: string): Queue {
    const name = owner ? this.#keys.workerQueue(owner) : this.#keys.sharedQueue;
    let queue = this.#ownerQueues.get(name);
    if (!queue) {
      queue = openQueue(name, this.#redis);
      this.#ownerQueues.set(name, queue);
    }
    return queue;
  }

  /** Stops a job this worker runs whose record ended (a cancel whose message was missed). */
  async #checkRunningJobs(): Promise<void> {
    const jobIds = [...this.#processor.running.keys()];
    if (jobIds.length === 0) return;
    const states = await this.#redis.mget(jobIds.map((jobId) => this.#keys.state(jobId)));
    jobIds.forEach((jobId, index) => {
      if (parseJobState(states[index] ?? null)?.status === 'done')
        this.#processor.abort(jobId, 'the job ended meanwhile');
    });
  }

  /**
   * Stops taking jobs, lets running ones finish, cancels those still running in time to
   * close everything else, closes sessions and leaves, all within `deadlineMs`. Submitters
   * see the sessions it owned as lost.
   */
  close({
    deadlineMs = this.#options.shutdownDeadlineMs,
  }: { deadlineMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#close(deadlineMs);
    return this.#closing;
  }

  async #close(deadlineMs: number): Promise<void> {
    const endAt = Date.now() + deadlineMs;
    const left = () => Math.max(0, endAt - Date.now());
    // Time kept for closing sandboxes and connections after running jobs are cancelled.
    const reserveMs = Math.min(5_000, deadlineMs / 3);
    this.#draining = true;
    this.#reaper?.close();
    clearInterval(this.#watchdog);
    await this.#lease?.renewNow(); // no new sessions come here once it says draining
    const workers = [this.#sharedWorker, this.#own?.worker].filter(
      (worker): worker is Worker => worker !== undefined,
    );
    const stopped = Promise.all(workers.map((worker) => worker.close()));
    if (
      (await raceDeadline({ promise: stopped, timeoutMs: left() - reserveMs })).kind !== 'value'
    ) {
      this.#processor.abortAll('the worker is shutting down');
      await raceDeadline({ promise: stopped, timeoutMs: left() / 2 });
    }
    this.#lease?.close();
    await raceDeadline({ promise: this.#runner.close(), timeoutMs: left() });
    const cleanup = (async () => {
      await this.#redis.del(this.#keys.worker(this.id));
      // Calls still queued for its sessions are answered now; their sessions are gone.
      await this.#reaper?.clear(this.id);
      await Promise.all([...this.#ownerQueues.values()].map((queue) => queue.close()));
      await this.#health?.close();
      this.#subscriber.disconnect();
      await this.#redis.quit();
    })();
    if ((await raceDeadline({ promise: cleanup, timeoutMs: left() })).kind !== 'value') {
      this.#subscriber.disconnect();
      this.#redis.disconnect();
    }
    this.#logger.info({ workerId: this.id, tookMs: deadlineMs - left() }, 'worker stopped');
  }
}
