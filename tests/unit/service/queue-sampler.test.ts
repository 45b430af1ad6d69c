import { describe, expect, test } from 'vitest';
import type { JobBackend, QueueStatus } from '../../../workers/queue/job-backend.ts';
import type { StatusSample } from '../../../workers/service/queue-sampler.ts';
import { QueueSampler } from '../../../workers/service/queue-sampler.ts';

/** A backend whose queueStatus answers the statuses given, one per read (the last repeats). */
function scriptedBackend(statuses: (QueueStatus | Error)[]): JobBackend {
  let read = 0;
  return {
    queueStatus: () => {
      const next = statuses[Math.min(read, statuses.length - 1)] as QueueStatus | Error;
      read += 1;
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
  } as unknown as JobBackend;
}

function status(workers: Record<string, number>, waiting = 0): QueueStatus {
  return {
    queue: 'q',
    waiting,
    active: 0,
    sessions: 0,
    workers: Object.entries(workers).map(([workerId, completed]) => ({
      workerId,
      health: { status: 'ok', host: 'h', completed, failed: 1, uptimeMs: 5, active: 0 },
    })),
  };
}

async function samples(sampler: QueueSampler, count: number): Promise<StatusSample[]> {
  const seen: StatusSample[] = [];
  const { promise, resolve } = Promise.withResolvers<void>();
  const stop = sampler.subscribe((sample) => {
    seen.push(sample);
    if (seen.length === count) resolve();
  });
  await promise;
  stop();
  return seen;
}

describe('QueueSampler', () => {
  test('jobs per second come from the growth of each worker’s finished count', async () => {
    const sampler = new QueueSampler({
      jobs: scriptedBackend([
        status({ a: 10, b: 3 }),
        status({ a: 16, b: 3, c: 50 }),
        // a restarted: its count starts again from zero.
        status({ a: 2, b: 7, c: 50 }),
      ]),
      intervalMs: 5,
    });
    const [first, second, third] = await samples(sampler, 3);
    sampler.close();
    expect(first?.workers.map((worker) => worker.jobsPerSecond)).toEqual([null, null]);
    expect(first?.workers[0]).toMatchObject({ host: 'h', status: 'ok', finished: 11 });
    const s2 = ((second?.at ?? 0) - (first?.at ?? 0)) / 1000;
    expect(second?.workers.map((worker) => worker.jobsPerSecond)).toEqual([6 / s2, 0, null]);
    expect(second?.jobsPerSecond).toBeCloseTo(6 / s2);
    const s3 = ((third?.at ?? 0) - (second?.at ?? 0)) / 1000;
    expect(third?.workers.map((worker) => worker.jobsPerSecond)).toEqual([3 / s3, 4 / s3, 0]);
  });

  test('a queue that does not answer is a sample with its error; history is kept and bounded', async () => {
    const sampler = new QueueSampler({
      jobs: scriptedBackend([status({ a: 1 }, 4), new Error('redis is down'), status({ a: 1 })]),
      intervalMs: 5,
      historyMs: 60_000,
    });
    const seen = await samples(sampler, 3);
    expect(seen[1]).toMatchObject({ error: 'redis is down', workers: [], waiting: 0 });
    expect(sampler.history().map((sample) => sample.at)).toEqual(seen.map((sample) => sample.at));
    expect(sampler.history()[0]?.waiting).toBe(4);
    sampler.close();
    expect(sampler.closed.aborted).toBe(true);

    const short = new QueueSampler({
      jobs: scriptedBackend([status({})]),
      intervalMs: 5,
      historyMs: 0,
    });
    await samples(short, 3);
    // Only samples taken in the same millisecond as the newest are within 0 ms of it.
    expect(short.history().length).toBeLessThan(3);
    short.close();
  });
});
