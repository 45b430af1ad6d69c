import type { Queue } from 'bullmq';

// A submitter reads a queue's length at most this often; its own submits are counted
// in between.
const PENDING_CACHE_MS = 100;

/** Queue lengths for backpressure, read from Redis now and then, not on every submit. */
export class QueueLengths {
  readonly #counts = new Map<string, { count: number; at: number }>();

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
