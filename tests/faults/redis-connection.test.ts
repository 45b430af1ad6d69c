// The worker↔Redis connection stalls, is cut and heals, and Redis restarts: the worker
// rides it all out and goes on serving. A stall shorter than the lease is invisible to
// callers; one longer than the lease makes the worker dead to everyone, so its running
// call is answered "session lost", the worker stops that code itself (fenced), refuses
// its own late result, drops its sessions and comes back under a new id.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { executionText } from '../../core/index.ts';
import type { WorkerProcess } from '../support/worker-process.ts';
import type { FaultCluster } from './support/fault-cluster.ts';
import { FAULT_LEASE_MS, startFaultCluster } from './support/fault-cluster.ts';

// Bound on every answer: the lease plus the submitter's checks, with room for a loaded
// machine (and for a restarted Redis loading its data).
const ANSWER_BOUND_MS = 90_000;

describe('a worker rides out Redis trouble', () => {
  let cluster: FaultCluster;
  let worker: WorkerProcess;

  beforeAll(async () => {
    cluster = await startFaultCluster({ redis: { persistence: true } });
    worker = await cluster.startWorker();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  const submit = (code: string, sessionId: string) => cluster.submitCode(code, sessionId);
  const run = async (code: string, sessionId: string) =>
    cluster.client.wait({ jobId: await submit(code, sessionId), timeoutMs: ANSWER_BOUND_MS });
  const startedRunning = async (tag: string) =>
    expect.poll(() => cluster.runs.count(tag), { timeout: ANSWER_BOUND_MS }).toBe(1);
  const stillServing = async (sessionId: string) => {
    const result = await run('"serving"', sessionId);
    expect(result.status).toBe('completed');
    expect(worker.child.exitCode).toBeNull();
    expect(worker.stderr).not.toMatch(/Command queue state error|TypeError/);
  };

  test('a stall shorter than the lease: the call running through it completes, once', async () => {
    const { client, runs, proxy } = cluster;
    await run('kept = "state"', 'short');
    const jobId = await submit(
      runs.code('short-stall', 'import time\ntime.sleep(1)\nprint(kept)'),
      'short',
    );
    await startedRunning('short-stall');
    proxy.stall();
    // Held for a third of the lease: the worker's renewals wait, none is lost.
    await new Promise<void>((resolve) => setTimeout(resolve, FAULT_LEASE_MS / 3));
    proxy.heal();
    const result = await client.wait({ jobId, timeoutMs: ANSWER_BOUND_MS });
    expect(result.status).toBe('completed');
    expect(result.execution?.logs.stdout.join('')).toBe('state\n');
    expect(await runs.count('short-stall')).toBe(1);
    expect((await cluster.health(worker))['incarnations']).toBe(0);
    await stillServing('short');
  });

  test.each(['stall', 'cut'] as const)(
    'a %s longer than the lease: the running call is answered "session lost", its code stopped and started once; the worker comes back',
    async (fault) => {
      const { client, runs, proxy } = cluster;
      const sessionId = `long-${fault}`;
      const tag = `long-${fault}`;
      await run('kept = "state"', sessionId);
      const before = (await cluster.health(worker))['incarnations'] as number;
      const jobId = await submit(
        runs.code(tag, 'import time\nfor _ in range(600):\n    time.sleep(0.1)\nprint("finished")'),
        sessionId,
      );
      await startedRunning(tag);
      const mark = worker.logs.length;
      if (fault === 'stall') proxy.stall();
      else proxy.cut();
      // The submitter sees the worker's lease expire and answers the call itself.
      const lost = await client.wait({ jobId, timeoutMs: ANSWER_BOUND_MS });
      expect(lost.status).toBe('session-lost');
      // The worker knows it too, by its own clock: it stops the code and drops the session.
      await worker.waitForLog('lease lost: stopping its jobs and sessions', { after: mark });
      proxy.heal();
      await cluster.backAfter(worker, before + 1);
      // The session's state went with it: the next call hears nothing more of it, and
      // starts afresh.
      const fresh = await run('"kept" in globals()', sessionId);
      expect(fresh.status).toBe('completed');
      expect(fresh.execution && executionText(fresh.execution)).toBe('False');
      // One answer, the first; the code never finished and never ran again.
      const final = await client.getJob({ jobId });
      expect(final.result?.status).toBe('session-lost');
      expect(await cluster.answers(jobId)).toBe(1);
      expect(await runs.count(tag)).toBe(1);
      await stillServing(sessionId);
    },
  );

  test('a partition of any length (here 40 s, many leases): the worker survives and serves', async () => {
    const { proxy } = cluster;
    const before = (await cluster.health(worker))['incarnations'] as number;
    const mark = worker.logs.length;
    proxy.stall();
    await worker.waitForLog('lease lost: stopping its jobs and sessions', { after: mark });
    await new Promise<void>((resolve) => setTimeout(resolve, 40_000 - FAULT_LEASE_MS));
    proxy.heal();
    await cluster.backAfter(worker, before + 1);
    await stillServing('after-partition');
  });

  test('Redis restarts (with its data kept): a call running meanwhile completes, once', async () => {
    const { client, runs, redis } = cluster;
    await run('kept = "state"', 'restart');
    const jobId = await submit(
      runs.code('restart', 'import time\ntime.sleep(2)\nprint(kept)'),
      'restart',
    );
    await startedRunning('restart');
    await redis.restart({ keepData: true, mode: 'crash' });
    const result = await client.wait({ jobId, timeoutMs: ANSWER_BOUND_MS });
    expect(result.status).toBe('completed');
    expect(result.execution?.logs.stdout.join('')).toBe('state\n');
    expect(await runs.count('restart')).toBe(1);
    await stillServing('restart');
  });

  test('every call has one answer, nothing is stranded, no container is left', async () => {
    await cluster.assertClean();
  });
});
