import type { Redis } from 'ioredis';
import { safeParseJson, sleep } from '../../core/index.ts';
import type { JobEvent, JobResult } from './job-schema.ts';
import { parseJobEvent } from './job-schema.ts';
import { queueError } from './redis-connection.ts';

// A blocking read waits this long for the next event before it checks the stored result.
const BLOCK_MS = 1_000;

export interface ReadJobEventsOptions {
  /** A connection of its own: reads block on it. It is closed when the reading ends. */
  reader: Redis;
  stream: string;
  /** The job's stored result, for a job whose event stream has already expired. */
  storedResult: () => Promise<JobResult | undefined>;
  /** Stops reading. */
  isDone: () => boolean;
  /** How long Redis may stay unreachable before reading fails with QueueUnavailableError. */
  requestTimeoutMs: number;
  signal?: AbortSignal;
}

/** A job's events from its start, ending with `end`. */
export async function* readJobEvents({
  reader,
  stream,
  storedResult,
  isDone,
  requestTimeoutMs,
  signal,
}: ReadJobEventsOptions): AsyncGenerator<JobEvent> {
  let lastId = '0';
  let failingSince: number | undefined;
  try {
    while (!signal?.aborted && !isDone()) {
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = await reader.xread('BLOCK', BLOCK_MS, 'STREAMS', stream, lastId);
        failingSince = undefined;
      } catch (error) {
        // Ride out a short outage (a Redis restart); fail clearly on a long one.
        failingSince ??= Date.now();
        if (Date.now() - failingSince > requestTimeoutMs)
          throw queueError(error, 'Reading the job events');
        await sleep(200, signal).catch(() => undefined);
        continue;
      }
      for (const [id, fields] of reply?.[0]?.[1] ?? []) {
        lastId = id;
        const parsed = safeParseJson(fields[1] ?? '');
        if (!parsed.success) continue;
        const event = parseJobEvent(parsed.value);
        yield event;
        if (event.type === 'end') return;
      }
      if (!reply) {
        const stored = await storedResult();
        if (stored) {
          yield { type: 'end', result: stored };
          return;
        }
      }
    }
  } finally {
    reader.disconnect();
  }
}
