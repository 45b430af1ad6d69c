import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.ts';

// Submitting reads a session's owner and a queue's length at most this often; the liveness
// check and the local count cover what happens between.
const OWNER_CACHE_MS = 1_000;
const PENDING_CACHE_MS = 100;

export interface SessionOwner {
  /** The worker that owns the session, if any. */
  owner: string | null;
  /** Whether that worker's heartbeat is alive. */
  alive: boolean;
}

/**
 * What a submitter reads to route a job: the owner of its session and the length of the
 * target queue. Both are read in Redis now and then, not on every submit.
 */
export class SubmitRouting {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #owners = new Map<string, { owner: string; at: number }>();
  readonly #counts = new Map<string, { count: number; at: number }>();

  constructor({ redis, keys }: { redis: Redis; keys: RedisKeys }) {
    this.#redis = redis;
    this.#keys = keys;
  }

  async sessionOwner(sessionKey: string): Promise<SessionOwner> {
    const cached = this.#owners.get(sessionKey);
    if (cached && Date.now() - cached.at < OWNER_CACHE_MS) {
      return { owner: cached.owner, alive: true };
    }
    const owner = await this.#redis.get(this.#keys.session(sessionKey));
    const alive = owner !== null && (await this.#redis.exists(this.#keys.worker(owner))) === 1;
    if (owner !== null && alive) this.#owners.set(sessionKey, { owner, at: Date.now() });
    return { owner, alive };
  }

  forgetSession(sessionKey: string): void {
    this.#owners.delete(sessionKey);
  }

  /** Jobs waiting in a queue before this one (which is counted from now on). */
  async claimPlace(queue: Queue): Promise<number> {
    let entry = this.#counts.get(queue.name);
    if (!entry || Date.now() - entry.at >= PENDING_CACHE_MS) {
      const count = await queue.getJobCountByTypes('waiting', 'prioritized', 'delayed');
      entry = { count, at: Date.now() };
      this.#counts.set(queue.name, entry);
    }
    entry.count += 1;
    return entry.count - 1;
  }
}
