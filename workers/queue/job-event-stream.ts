import type { Redis } from 'ioredis';
import { safeParseJson } from '../../core/index.ts';
import type { JobEvent, JobResult } from './job-schema.ts';
import { parseJobEvent } from './job-schema.ts';

export interface ReadJobEventsOptions {
  /** A connection of its own: reads block on it. It is closed when the reading ends. */
  reader: Redis;
  stream: string;
  /** The job's stored result, for a job whose event stream has already expired. */
  storedResult: () => Promise<JobResult | undefined>;
  /** Stops reading. */
  isDone: () => boolean;
  signal?: AbortSignal;
}

/** A job's events from its start, ending with `end`. */
export async function* readJobEvents({
  reader,
  stream,
  storedResult,
  isDone,
  signal,
}: ReadJobEventsOptions): AsyncGenerator<JobEvent> {
  let lastId = '0';
  try {
    while (!signal?.aborted && !isDone()) {
      const reply = await reader.xread('BLOCK', 1_000, 'STREAMS', stream, lastId);
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
