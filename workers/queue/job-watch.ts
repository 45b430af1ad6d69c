import type { Redis } from 'ioredis';
import { outcomeResult } from './job-outcomes.ts';
import type { ParsedJobRequest } from './job-schema.ts';
import { parseJobState } from './job-state.ts';
import type { RedisKeys } from './redis-keys.ts';
import { storeVerdict } from './redis-scripts.ts';
import type { ResultInbox } from './result-inbox.ts';

export interface JobWatchOptions {
  redis: Redis;
  keys: RedisKeys;
  inbox: ResultInbox;
  intervalMs: number;
  /** A waited job's request (for the shape of a verdict) and its session, when known. */
  describe: (
    jobId: string,
  ) => Promise<{ request: ParsedJobRequest | undefined; sessionKey: string | undefined }>;
}

/**
 * Ends the waits that would otherwise never end: every `intervalMs` it reads the records of
 * the jobs waited for. A result the results reader missed is handed over; a job whose record
 * is gone (Redis restarted without persistence, or was flushed) ends `lost`; a job running on
 * a worker whose lease expired ends `worker-lost` (`session-lost` in a session). Each verdict
 * is stored as the job's one result, so a late result from that worker is refused.
 */
export class JobWatch {
  readonly #options: JobWatchOptions;
  readonly #timer: NodeJS.Timeout;
  #checking = false;

  constructor(options: JobWatchOptions) {
    this.#options = options;
    this.#timer = setInterval(() => void this.#check(), options.intervalMs);
    this.#timer.unref();
  }

  close(): void {
    clearInterval(this.#timer);
  }

  async #check(): Promise<void> {
    if (this.#checking) return;
    this.#checking = true;
    try {
      await this.#checkOnce();
    } catch {
      // Redis is away or stalled: the next tick tries again; every wait has its deadline.
    } finally {
      this.#checking = false;
    }
  }

  async #checkOnce(): Promise<void> {
    const { redis, keys, inbox, intervalMs } = this.#options;
    const due = inbox.waitingLongerThan(intervalMs);
    if (due.length === 0) return;
    const states = (await redis.mget(due.map((jobId) => keys.state(jobId)))).map(parseJobState);
    const holders = new Set<string>();
    for (const state of states) {
      if (state?.status === 'running' && state.worker) holders.add(state.worker);
      if (state?.status === 'queued' && state.owner) holders.add(state.owner);
    }
    const workers = [...holders];
    const alive = await Promise.all(workers.map((worker) => redis.exists(keys.worker(worker))));
    const dead = new Set(workers.filter((_, index) => alive[index] === 0));
    await Promise.all(
      due.map(async (jobId, index) => {
        const state = states[index];
        if (state?.status === 'done') {
          inbox.resolve(jobId, state.result);
          return;
        }
        if (state === null || state === undefined) {
          await this.#end(jobId, 'lost', null);
          return;
        }
        if (state.status === 'running' && state.worker && dead.has(state.worker)) {
          await this.#end(
            jobId,
            state.sessionKey === undefined ? 'worker-lost' : 'session-lost',
            state.worker,
          );
          return;
        }
        if (state.status === 'queued' && state.sessionKey && dead.has(state.owner)) {
          if (await this.#sessionDiedWith(state.sessionKey, state.owner))
            await this.#end(jobId, 'session-lost', state.owner);
        }
      }),
    );
  }

  /**
   * Whether a session's state died with its owner: it had started there (or is gone). A
   * session that never started is left to the reapers, which move it to a live worker.
   */
  async #sessionDiedWith(sessionKey: string, owner: string): Promise<boolean> {
    const { redis, keys } = this.#options;
    const [current, started, lost] = await redis.hmget(
      keys.session(sessionKey),
      'owner',
      'started',
      'lost',
    );
    if (lost !== null || current === null) return true;
    return current === owner && started === '1';
  }

  async #end(
    jobId: string,
    status: 'lost' | 'worker-lost' | 'session-lost',
    workerId: string | null,
  ): Promise<void> {
    const { redis, keys, inbox, describe } = this.#options;
    const { request } = await describe(jobId).catch(() => ({ request: undefined }));
    const verdict = outcomeResult({ jobId, request, status, workerId });
    await storeVerdict(redis, keys, { result: verdict, stopRunning: true });
    // Someone else's ending may have come first: the stored one is the job's result.
    const stored = parseJobState(await redis.get(keys.state(jobId)));
    inbox.resolve(jobId, stored?.status === 'done' ? stored.result : verdict);
  }
}
