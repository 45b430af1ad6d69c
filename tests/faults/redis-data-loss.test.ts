// Redis loses its data (a restart without persistence, a FLUSHALL) while calls wait: each
// waiting call is answered "lost" in bounded time instead of waiting forever; the worker,
// whose lease vanished with the data, stops what it ran, takes a new id and serves again.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { WorkerProcess } from '../support/worker-process.ts';
import type { FaultCluster } from './support/fault-cluster.ts';
import { startFaultCluster } from './support/fault-cluster.ts';

// The submitter checks its jobs' records twice a second; a lost record is answered on the
// next check. The bound leaves room for a loaded machine.
const ANSWER_BOUND_MS = 60_000;

describe('Redis loses its data', () => {
  let cluster: FaultCluster;
  let worker: WorkerProcess;
  // Jobs since the last loss (what came before went with the data).
  let jobIds: string[] = [];

  beforeAll(async () => {
    cluster = await startFaultCluster();
    worker = await cluster.startWorker({ viaProxy: false });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  const submit = async (code: string, sessionId: string) => {
    const jobId = await cluster.submitCode(code, sessionId);
    jobIds.push(jobId);
    return jobId;
  };

  test.each(['a restart without persistence', 'FLUSHALL'] as const)(
    'by %s: the running call and the one queued behind it are answered "lost", the code ran once',
    async (how) => {
      const { client, runs, redis } = cluster;
      const sessionId = how === 'FLUSHALL' ? 'flush' : 'restart';
      const before = (await cluster.health(worker))['incarnations'] as number;
      const running = await submit(
        runs.code(sessionId, 'import time\nfor _ in range(600):\n    time.sleep(0.1)'),
        sessionId,
      );
      const queued = await submit('print("queued")', sessionId);
      await expect.poll(() => runs.count(sessionId), { timeout: ANSWER_BOUND_MS }).toBe(1);
      if (how === 'FLUSHALL') await redis.flushAll();
      else await redis.restart({ keepData: false, mode: 'crash' });
      jobIds = [running, queued];
      for (const jobId of [running, queued]) {
        const result = await client.wait({ jobId, timeoutMs: ANSWER_BOUND_MS });
        expect(result.status).toBe('lost');
        expect(result.execution?.error?.name).toBe('JobLost');
        expect(await cluster.answers(jobId)).toBe(1);
      }
      // The worker's lease went with the data: it stops the code and comes back.
      await cluster.backAfter(worker, before + 1);
      // This submitter knew the session: its next call hears that it is gone, once.
      const told = await client.wait({
        jobId: await submit('print("after")', sessionId),
        timeoutMs: ANSWER_BOUND_MS,
      });
      expect(told.status).toBe('session-lost');
      const next = await client.wait({
        jobId: await submit('print("fresh")', sessionId),
        timeoutMs: ANSWER_BOUND_MS,
      });
      expect(next.status).toBe('completed');
      expect(next.execution?.logs.stdout.join('')).toBe('fresh\n');
      expect(await runs.count(sessionId)).toBe(1);
      expect(worker.child.exitCode).toBeNull();
    },
  );

  test('every call has one answer, nothing is stranded, no container is left', async () => {
    await cluster.assertClean(jobIds);
  });
});
