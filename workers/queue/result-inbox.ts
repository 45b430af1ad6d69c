import type { Redis } from 'ioredis';
import { safeParseJson, sleep } from '../../core/index.ts';
import { redisRequest } from './redis-connection.ts';
import type { JobResult } from './job-schema.ts';
import { parseJobResult } from './job-schema.ts';

// Results that arrive before anyone waits for them are kept, the oldest dropped first.
const RECENT_RESULTS = 20_000;

export interface ResultWaiter {
  promise: Promise<JobResult>;
  resolve: (result: JobResult) => void;
  /** Ends the wait with an error (the client closed). */
  reject: (error: Error) => void;
  /** When the wait began, in ms since the epoch. */
  since: number;
}

export interface OpenResultInboxOptions {
  /** A connection for reading the stream's end. */
  redis: Redis;
  /** A connection of its own: the inbox blocks on it. */
  reader: Redis;
  stream: string;
  /**
   * Called once for every result that arrives: whether to keep it for a later wait, should
   * nobody wait for it yet.
   */
  keep: (jobId: string) => boolean;
  /** Longest wait for reading the stream's end. */
  timeoutMs: number;
}

/**
 * One blocking reader of the results stream for every wait of a client: a result is handed to
 * its waiter, or kept for a wait that comes later.
 */
export class ResultInbox {
  readonly #reader: Redis;
  readonly #stream: string;
  readonly #keep: (jobId: string) => boolean;
  readonly #waiters = new Map<string, ResultWaiter>();
  readonly #holders = new Map<ResultWaiter, number>();
  readonly #recent = new Map<string, JobResult>();
  #closed = false;

  private constructor(options: OpenResultInboxOptions) {
    this.#reader = options.reader;
    this.#stream = options.stream;
    this.#keep = options.keep;
  }

  /** Starts reading at the stream's current end: whatever ends after this is seen. */
  static async open(options: OpenResultInboxOptions): Promise<ResultInbox> {
    const inbox = new ResultInbox(options);
    const last = (
      await redisRequest({
        what: 'Reading the results stream',
        timeoutMs: options.timeoutMs,
        promise: options.redis.xrevrange(options.stream, '+', '-', 'COUNT', 1),
      })
    )[0];
    void inbox.#read(last?.[0] ?? '0-0');
    return inbox;
  }

  /** A result that came before its wait. */
  recent(jobId: string): JobResult | undefined {
    return this.#recent.get(jobId);
  }

  /**
   * The one waiter of a job, created on first use and shared by every wait of that job (a
   * `wait` and HTTP long-polls, say); it ends when its result is resolved. Each caller
   * gives it back with `release` when its wait ends another way.
   */
  waiter(jobId: string): ResultWaiter {
    const existing = this.#waiters.get(jobId);
    if (existing) {
      this.#holders.set(existing, (this.#holders.get(existing) ?? 0) + 1);
      return existing;
    }
    const { promise, resolve, reject } = Promise.withResolvers<JobResult>();
    const created: ResultWaiter = {
      promise,
      since: Date.now(),
      resolve: (result) => {
        this.#forget(jobId, created);
        resolve(result);
      },
      reject: (error) => {
        this.#forget(jobId, created);
        reject(error);
      },
    };
    this.#waiters.set(jobId, created);
    this.#holders.set(created, 1);
    return created;
  }

  /** One wait of a job ended without its result: the waiter goes once no wait holds it. */
  release(jobId: string, waiter: ResultWaiter): void {
    const holders = (this.#holders.get(waiter) ?? 1) - 1;
    if (holders > 0) this.#holders.set(waiter, holders);
    else this.#forget(jobId, waiter);
  }

  #forget(jobId: string, waiter: ResultWaiter): void {
    this.#holders.delete(waiter);
    if (this.#waiters.get(jobId) === waiter) this.#waiters.delete(jobId);
  }

  /** Ends a job's wait, if anyone waits for it. */
  resolve(jobId: string, result: JobResult): void {
    this.#waiters.get(jobId)?.resolve(result);
  }

  /** Jobs waited for since at least `ms` ago. */
  waitingLongerThan(ms: number): string[] {
    const now = Date.now();
    return [...this.#waiters.entries()]
      .filter(([, waiter]) => now - waiter.since >= ms)
      .map(([jobId]) => jobId);
  }

  /** Stops reading; waits still open end with `error` rather than hang. */
  close(error: Error): void {
    this.#closed = true;
    this.#reader.disconnect();
    for (const waiter of [...this.#waiters.values()]) waiter.reject(error);
  }

  async #read(from: string): Promise<void> {
    let lastId = from;
    while (!this.#closed) {
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = await this.#reader.xread('BLOCK', 5_000, 'STREAMS', this.#stream, lastId);
      } catch {
        // Redis is away: read again soon. Results stored meanwhile are still found, by the
        // stream once it is back, or by the waits' checks of the jobs' records.
        if (this.#closed) return;
        await sleep(200);
        continue;
      }
      for (const [id, fields] of reply?.[0]?.[1] ?? []) {
        lastId = id;
        const parsed = safeParseJson(fields[1] ?? '');
        if (!parsed.success) continue;
        const result = parseJobResult(parsed.value);
        const keep = this.#keep(result.jobId);
        const waiter = this.#waiters.get(result.jobId);
        if (waiter) waiter.resolve(result);
        else if (keep) this.#remember(result);
      }
    }
  }

  #remember(result: JobResult): void {
    this.#recent.set(result.jobId, result);
    if (this.#recent.size > RECENT_RESULTS) {
      this.#recent.delete(this.#recent.keys().next().value as string);
    }
  }
}
