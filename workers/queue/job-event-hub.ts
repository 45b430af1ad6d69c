import type { Redis } from 'ioredis';
import { safeParseJson, sleep } from '../../core/index.ts';
import type { JobEvent, JobResult } from './job-schema.ts';
import { parseJobEvent } from './job-schema.ts';
import { queueError } from './redis-connection.ts';

// Every job followed through one client shares one Redis connection: one blocking XREAD
// names all the streams being followed. A blocking read cannot take a new stream mid-block,
// so a new follower unblocks it (CLIENT UNBLOCK from the client's other connection).

/** How long one read blocks when nothing comes. */
const BLOCK_MS = 1_000;
/** Entries read per stream per read: a busy stream cannot starve the others. */
const READ_COUNT = 200;
/**
 * A follower that heard nothing for this long checks the job's stored result: its stream
 * may have expired after the job ended (a stream that exists always ends with `end`).
 */
const STORED_RESULT_CHECK_MS = 10_000;

interface Follower {
  stream: string;
  /** The id of the last entry it was given. */
  lastId: string;
  queued: JobEvent[];
  wake: (() => void) | undefined;
  failure: Error | undefined;
  heardAt: number;
}

export interface JobEventHubOptions {
  /** A connection of the hub's own: its reads block. Closed with the hub. */
  reader: Redis;
  /** The client's other connection: unblocks the reader when the streams change. */
  control: Redis;
  /** How long Redis may stay unreachable before following fails with QueueUnavailableError. */
  requestTimeoutMs: number;
}

/** An event as the worker wrote it; undefined for an entry that is not one (it is skipped). */
function safeJobEvent(value: unknown): JobEvent | undefined {
  try {
    return parseJobEvent(value);
  } catch {
    return undefined;
  }
}

/** Stream ids (`ms-seq`) in order. */
function after(id: string, than: string): boolean {
  const [ms = '0', seq = '0'] = id.split('-');
  const [thanMs = '0', thanSeq = '0'] = than.split('-');
  const a = BigInt(ms);
  const b = BigInt(thanMs);
  return a !== b ? a > b : BigInt(seq) > BigInt(thanSeq);
}

export class JobEventHub {
  readonly #reader: Redis;
  readonly #control: Redis;
  readonly #requestTimeoutMs: number;
  readonly #followers = new Set<Follower>();
  #readerId: string | undefined;
  #reading = false;
  #blocked = false;
  #idle: (() => void) | undefined;
  #closed = false;

  constructor({ reader, control, requestTimeoutMs }: JobEventHubOptions) {
    this.#reader = reader;
    this.#control = control;
    this.#requestTimeoutMs = requestTimeoutMs;
    // Its id changes when it reconnects.
    reader.on('ready', () => {
      this.#readerId = undefined;
    });
  }

  /** The Redis connections reading events: one, however many jobs are followed. */
  get followed(): number {
    return this.#followers.size;
  }

  /** A job's events from its start, ending with `end`. */
  async *follow({
    stream,
    storedResult,
    signal,
  }: {
    stream: string;
    storedResult: () => Promise<JobResult | undefined>;
    signal?: AbortSignal | undefined;
  }): AsyncGenerator<JobEvent> {
    const follower: Follower = {
      stream,
      lastId: '0',
      queued: [],
      wake: undefined,
      failure: undefined,
      heardAt: Date.now(),
    };
    const onAbort = () => follower.wake?.();
    signal?.addEventListener('abort', onAbort);
    this.#followers.add(follower);
    this.#changed();
    try {
      for (;;) {
        // Aborted or closed: the following ends, as a loop left early would.
        if (signal?.aborted) return;
        if (follower.failure) throw follower.failure;
        const event = follower.queued.shift();
        if (event) {
          yield event;
          if (event.type === 'end') return;
          continue;
        }
        if (this.#closed) return;
        if (Date.now() - follower.heardAt >= STORED_RESULT_CHECK_MS || follower.lastId === '0') {
          follower.heardAt = Date.now();
          const exists = await this.#control.exists(stream).catch(() => 1);
          const stored = exists === 0 ? await storedResult().catch(() => undefined) : undefined;
          if (stored) {
            yield { type: 'end', result: stored };
            return;
          }
          if (follower.queued.length > 0) continue;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, STORED_RESULT_CHECK_MS);
          follower.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        follower.wake = undefined;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#followers.delete(follower);
    }
  }

  /** Stops reading: followers end (a job still running has told them no `end`). */
  close(): void {
    this.#closed = true;
    this.#reader.disconnect();
    this.#idle?.();
    for (const follower of this.#followers) follower.wake?.();
  }

  /** A follower came: read its stream too, now. */
  #changed(): void {
    if (!this.#reading) {
      this.#reading = true;
      void this.#read().finally(() => {
        this.#reading = false;
      });
    }
    this.#idle?.();
    if (this.#blocked && this.#readerId !== undefined) {
      void this.#control.client('UNBLOCK', this.#readerId).catch(() => undefined);
    }
  }

  async #read(): Promise<void> {
    let failingSince: number | undefined;
    while (!this.#closed) {
      // From the earliest place any follower of a stream is at.
      const cursors = new Map<string, string>();
      for (const { stream, lastId } of this.#followers) {
        const known = cursors.get(stream);
        if (known === undefined || after(known, lastId)) cursors.set(stream, lastId);
      }
      if (cursors.size === 0) {
        await new Promise<void>((resolve) => (this.#idle = resolve));
        this.#idle = undefined;
        continue;
      }
      let reply: [string, [string, string[]][]][] | null;
      try {
        this.#readerId ??= String(await this.#reader.client('ID'));
        this.#blocked = true;
        reply = await this.#reader.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...cursors.keys(),
          ...cursors.values(),
        );
        failingSince = undefined;
      } catch (error) {
        if (this.#closed) return;
        // Ride out a short outage (a Redis restart); fail clearly on a long one.
        failingSince ??= Date.now();
        if (Date.now() - failingSince > this.#requestTimeoutMs) {
          const failure = queueError(error, 'Reading the job events');
          for (const follower of this.#followers) {
            follower.failure = failure;
            follower.wake?.();
          }
          failingSince = undefined;
        }
        await sleep(200).catch(() => undefined);
        continue;
      } finally {
        this.#blocked = false;
      }
      for (const [stream, entries] of reply ?? []) {
        for (const follower of this.#followers) {
          if (follower.stream !== stream) continue;
          for (const [id, fields] of entries) {
            if (!after(id, follower.lastId)) continue;
            follower.lastId = id;
            const parsed = safeParseJson(fields[1] ?? '');
            const event = parsed.success ? safeJobEvent(parsed.value) : undefined;
            if (event) follower.queued.push(event);
          }
          follower.heardAt = Date.now();
          follower.wake?.();
        }
      }
    }
  }
}
