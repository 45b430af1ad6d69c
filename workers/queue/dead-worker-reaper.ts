import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { openQueue } from './bull-queue.ts';
import type { Logger } from 'pino';
import { outcomeResult } from './job-outcomes.ts';
import type { JobEnvelope } from './job-schema.ts';
import { parseJobEnvelope } from './job-schema.ts';
import { parseJobState } from './job-state.ts';
import type { RedisKeys } from './redis-keys.ts';
import { moveSession, requeueJob, storeVerdict } from './redis-scripts.ts';

const JOB_STATES = ['waiting', 'prioritized', 'delayed', 'active'] as const;
const PAGE = 500;

export interface DeadWorkerReaperOptions {
  redis: Redis;
  keys: RedisKeys;
  /** This worker's current id: jobs of sessions that never started move to its queue. */
  selfId: () => string;
  /** Whether this worker may take work now (it holds its lease). */
  canReap: () => boolean;
  /** Adds a job to a worker's own queue (a session's call), or to the shared queue for ''. */
  adopt: (job: {
    id: string;
    name: string;
    data: unknown;
    opts: Job['opts'];
    owner: string;
  }) => Promise<void>;
  intervalMs: number;
  logger: Logger;
}

/**
 * Clears the own queues of dead workers, which nobody else consumes or stall-checks. Every
 * live worker runs one; a lock in Redis lets one at a time clear a given dead worker. Each
 * job there is answered or moved:
 * - a job that started there (its worker died under it) ends `worker-lost`/`session-lost`;
 * - a call of a session that had started there ends `session-lost` (its state died too);
 * - a call of a session that never started (its owner died before running any of it) moves,
 *   with its session and in its order, to this worker's queue: its code never ran.
 * A second copy of a job (its id added to this queue too: a resubmit, a forward) is not
 * this worker's to answer: one running on another live worker is left to that run, and one
 * whose record points at another queue goes there (BullMQ drops it if that queue holds it).
 * Then the dead worker's queue and registration are removed.
 */
export class DeadWorkerReaper {
  readonly #options: DeadWorkerReaperOptions;
  readonly #timer: NodeJS.Timeout;
  #running = false;
  #closed = false;

  constructor(options: DeadWorkerReaperOptions) {
    this.#options = options;
    this.#timer = setInterval(() => void this.sweep(), options.intervalMs);
    this.#timer.unref();
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
  }

  /** One pass over the registered workers; returns the ids it cleared. */
  async sweep(): Promise<string[]> {
    if (this.#running || this.#closed || !this.#options.canReap()) return [];
    this.#running = true;
    const cleared: string[] = [];
    try {
      const { redis, keys, selfId } = this.#options;
      const registered = await redis.smembers(keys.workers);
      const others = registered.filter((id) => id !== selfId());
      if (others.length === 0) return cleared;
      const alive = await redis.mget(others.map(keys.worker));
      for (const [index, workerId] of others.entries()) {
        if (alive[index] !== null || this.#closed) continue;
        const lock = await redis.set(
          keys.reaping(workerId),
          selfId(),
          'PX',
          this.#options.intervalMs * 4,
          'NX',
        );
        if (lock !== 'OK') continue;
        try {
          await this.#reap(workerId);
          cleared.push(workerId);
        } finally {
          await redis.del(keys.reaping(workerId));
        }
      }
    } catch (error) {
      this.#options.logger.warn({ error: String(error) }, 'clearing dead workers failed');
    } finally {
      this.#running = false;
    }
    return cleared;
  }

  /**
   * Clears a worker's own queue when it shuts down: every call still queued there is
   * answered `session-lost` (nobody is left to take its session over here).
   */
  async clear(workerId: string): Promise<void> {
    await this.#reap(workerId, { adopt: false });
  }

  async #reap(deadId: string, { adopt = true }: { adopt?: boolean } = {}): Promise<void> {
    const { redis, keys, logger } = this.#options;
    const queue = openQueue(keys.workerQueue(deadId), redis);
    let answered = 0;
    let moved = 0;
    try {
      const jobs: Job[] = [];
      for (let start = 0; ; start += PAGE) {
        const page = await queue.getJobs([...JOB_STATES], start, start + PAGE - 1, true);
        jobs.push(...page.filter((job): job is Job => job !== undefined && job !== null));
        if (page.length < PAGE) break;
      }
      // A session's calls move in their order.
      jobs.sort((a, b) => seqOf(a) - seqOf(b));
      for (const job of jobs) {
        const outcome = await this.#settle(deadId, job, adopt);
        if (outcome === 'answered') answered += 1;
        if (outcome === 'moved') moved += 1;
      }
      await queue.obliterate({ force: true });
      await redis.multi().srem(keys.workers, deadId).hdel(`${keys.prefix}:assigned`, deadId).exec();
      logger.info({ deadWorker: deadId, answered, moved }, 'cleared a dead worker');
    } finally {
      await queue.close();
    }
  }

  async #settle(
    deadId: string,
    job: Job,
    adoptable: boolean,
  ): Promise<'answered' | 'moved' | 'none'> {
    const { redis, keys, selfId, adopt } = this.#options;
    const jobId = job.id ?? '';
    const envelope = safeEnvelope(job.data);
    const state = parseJobState(await redis.get(keys.state(jobId)));
    // No record (Redis lost it; its waiters hear so) or already ended: nothing to answer.
    if (state === null || state.status === 'done') return 'none';
    const sessionKey = envelope?.sessionKey ?? state.sessionKey;
    const answer = async (status: 'worker-lost' | 'session-lost', detail: string) => {
      await storeVerdict(redis, keys, {
        result: outcomeResult({
          jobId,
          request: envelope?.request,
          status,
          detail,
          workerId: deadId,
        }),
      });
      return 'answered' as const;
    };
    if (state.status === 'running') {
      const runner = state.worker ?? deadId;
      if (runner !== deadId && (await redis.exists(keys.worker(runner))) === 1) return 'none';
      return answer(sessionKey === undefined ? 'worker-lost' : 'session-lost', '');
    }
    if (state.owner !== deadId) {
      await adopt({
        id: jobId,
        name: job.name,
        data: job.data,
        opts: job.opts,
        owner: state.owner,
      });
      return 'moved';
    }
    if (!adoptable) return answer('session-lost', 'The call was not run.');
    if (sessionKey !== undefined) {
      const movedSession = await moveSession(redis, keys, {
        sessionKey,
        from: deadId,
        to: selfId(),
      });
      if (!movedSession) return answer('session-lost', 'The call was not run.');
    }
    if (
      !(await requeueJob(redis, keys, { jobId, owner: sessionKey === undefined ? '' : selfId() }))
    )
      return 'none';
    await adopt({
      id: jobId,
      name: job.name,
      data: job.data,
      opts: job.opts,
      owner: sessionKey === undefined ? '' : selfId(),
    });
    return 'moved';
  }
}

function safeEnvelope(data: unknown): JobEnvelope | undefined {
  try {
    return parseJobEnvelope(data);
  } catch {
    return undefined;
  }
}

function seqOf(job: Job): number {
  const seq = (job.data as { seq?: unknown } | undefined)?.seq;
  return typeof seq === 'number' ? seq : Number.MAX_SAFE_INTEGER;
}
