import type { Redis } from 'ioredis';
import { outcomeResult } from './job-outcomes.ts';
import { parseJobState } from './job-state.ts';
import type { RedisKeys } from './redis-keys.ts';
import { endTurn, storeVerdict } from './redis-scripts.ts';

/**
 * How long a session's call may sit with a record but without a BullMQ job before it is
 * taken for a submit that failed half-way (its submitter got an error); then it ends
 * `failed`, so the calls after it can run.
 */
export const TURN_UNBLOCK_GRACE_MS = 30_000;

/** BullMQ's key prefix (the queues use its default). */
const BULL_PREFIX = 'bull';

/**
 * Frees a session whose line is held by a call that can never run: one whose record is
 * gone, or whose submit created the record but never reached a queue. A call that is queued
 * or running somewhere is left alone: its turn will come.
 */
export class TurnUnblocker {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;

  constructor({ redis, keys }: { redis: Redis; keys: RedisKeys }) {
    this.#redis = redis;
    this.#keys = keys;
  }

  async unblock({ sessionKey, turn }: { sessionKey: string; turn: number }): Promise<void> {
    const redis = this.#redis;
    const keys = this.#keys;
    const jobId = await redis.hget(keys.session(sessionKey), `job:${turn}`);
    const state = jobId === null ? null : parseJobState(await redis.get(keys.state(jobId)));
    if (jobId === null || state === null) {
      await endTurn(redis, keys, { sessionKey, turn });
      return;
    }
    if (state.status !== 'queued') return;
    const queue = state.owner ? keys.workerQueue(state.owner) : keys.sharedQueue;
    if ((await redis.exists(`${BULL_PREFIX}:${queue}:${jobId}`)) === 1) return;
    const [seconds, micros] = await redis.time();
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    if (state.submittedAt === undefined || now - state.submittedAt < TURN_UNBLOCK_GRACE_MS) return;
    await storeVerdict(redis, keys, {
      result: outcomeResult({
        jobId,
        request: undefined,
        status: 'failed',
        detail: '(it never reached its queue: its submit failed half-way)',
      }),
    });
  }
}
