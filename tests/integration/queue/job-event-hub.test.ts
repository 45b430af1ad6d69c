// Following many jobs through one Redis client: one connection reads every stream, a new
// follower is read at once (the blocked read is unblocked), late followers get the events
// from the start, and an expired stream ends with the stored result.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, test } from 'vitest';
import type { JobEvent, JobResult } from '../../../workers/queue/job-schema.ts';
import { JobEventHub } from '../../../workers/queue/job-event-hub.ts';
import { redisUrl, requireRedis } from '../../support/services.ts';

const FOLLOWED = 200;

async function collect(events: AsyncIterable<JobEvent>): Promise<JobEvent[]> {
  const seen: JobEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

function result(jobId: string): JobResult {
  return { jobId, status: 'completed', workerId: 'w' };
}

describe('job event hub (Redis)', () => {
  test('many jobs followed over one connection, each in order, each to its end', async () => {
    await requireRedis();
    const prefix = `hub-${randomUUID().slice(0, 8)}`;
    const control = new Redis(redisUrl().href);
    const reader = new Redis(redisUrl().href);
    const hub = new JobEventHub({ reader, control, requestTimeoutMs: 10_000 });
    const name = `${prefix}-reader`;
    await reader.client('SETNAME', name);
    try {
      const streams = Array.from({ length: FOLLOWED }, (_, index) => `${prefix}:events:${index}`);
      const following = streams.map((stream) =>
        collect(hub.follow({ stream, storedResult: () => Promise.resolve(undefined) })),
      );
      // Written after the followers started: each is read while they block.
      for (const [index, stream] of streams.entries()) {
        for (const text of ['a', 'b']) {
          await control.xadd(stream, '*', 'e', JSON.stringify({ type: 'stdout', text }));
        }
        await control.xadd(
          stream,
          '*',
          'e',
          JSON.stringify({ type: 'end', result: result(String(index)) }),
        );
      }
      const seen = await Promise.all(following);
      for (const [index, events] of seen.entries()) {
        expect(events).toEqual([
          { type: 'stdout', text: 'a' },
          { type: 'stdout', text: 'b' },
          { type: 'end', result: result(String(index)) },
        ]);
      }
      // One reading connection for all of them.
      const clients = String(await control.client('LIST'));
      expect(clients.split('\n').filter((line) => line.includes(`name=${name}`))).toHaveLength(1);

      // A follower that comes late gets everything from the start, at once, while the
      // reader blocks on a stream that stays quiet.
      const quiet = collect(
        hub.follow({
          stream: `${prefix}:events:quiet`,
          storedResult: () => Promise.resolve(undefined),
        }),
      );
      const late = await collect(
        hub.follow({ stream: streams[0] ?? '', storedResult: () => Promise.resolve(undefined) }),
      );
      expect(late.map(({ type }) => type)).toEqual(['stdout', 'stdout', 'end']);
      await control.xadd(
        `${prefix}:events:quiet`,
        '*',
        'e',
        JSON.stringify({ type: 'end', result: result('quiet') }),
      );
      expect((await quiet).map(({ type }) => type)).toEqual(['end']);

      // A stream that is gone (expired after its job ended): the stored result ends it.
      const gone = await collect(
        hub.follow({
          stream: `${prefix}:events:expired`,
          storedResult: () => Promise.resolve(result('expired')),
        }),
      );
      expect(gone).toEqual([{ type: 'end', result: result('expired') }]);
    } finally {
      hub.close();
      const keys = await control.keys(`${prefix}:*`);
      if (keys.length > 0) await control.del(...keys);
      control.disconnect();
    }
  });
});
