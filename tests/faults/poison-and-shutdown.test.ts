// A poison call kills the worker that runs it: it is answered "worker lost", never run
// again, and ends as failed in BullMQ's own view (listed with its reason); the other worker
// goes on. A worker told to stop keeps to its shutdown deadline, even with a call that
// ignores interrupts.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FaultCluster } from './support/fault-cluster.ts';
import { startFaultCluster } from './support/fault-cluster.ts';

const ANSWER_BOUND_MS = 90_000;
const crashTool = join(import.meta.dirname, '..', 'fixtures', 'tools', 'crash-tool.ts');

describe('poison calls and shutdown', () => {
  let cluster: FaultCluster;
  const jobIds: string[] = [];

  beforeAll(async () => {
    cluster = await startFaultCluster();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  test('a call that kills its worker is answered once, run once, and listed as failed', async () => {
    const { client } = cluster;
    const args = ['--module-tool', crashTool];
    const [first, second] = await Promise.all([
      cluster.startWorker({ extraArgs: args }),
      cluster.startWorker({ extraArgs: args }),
    ]);
    const jobId = await client.submit({
      request: { kind: 'tool-call', call: { name: 'Crash', parameters: {} } },
    });
    jobIds.push(jobId);
    const result = await client.wait({ jobId, timeoutMs: ANSWER_BOUND_MS });
    expect(result.status).toBe('worker-lost');
    const exits = await Promise.race([
      first.exited.then((exit) => ({ victim: first, survivor: second, exit })),
      second.exited.then((exit) => ({ victim: second, survivor: first, exit })),
    ]);
    expect(exits.exit.signal).toBe('SIGKILL');
    // BullMQ hands the job to the survivor once the victim's lock expires; the survivor
    // sees it ran before and ends it as failed, without running it.
    await expect
      .poll(async () => (await client.listFailed()).find((failed) => failed.jobId === jobId), {
        timeout: ANSWER_BOUND_MS,
      })
      .toMatchObject({ jobId, reason: expect.stringMatching(/worker-lost/) as unknown });
    expect(exits.survivor.child.exitCode).toBeNull();
    expect(exits.survivor.child.signalCode).toBeNull();
    const after = await client.wait({
      jobId: await client.submit({
        request: { kind: 'tool-call', call: { name: 'Echo', parameters: { text: 'on' } } },
      }),
      timeoutMs: ANSWER_BOUND_MS,
    });
    expect(after.workerId).toBe(exits.survivor.workerId);
    jobIds.push(after.jobId);
  });

  test('SIGTERM: the worker stops within its shutdown deadline, and the running call is answered', async () => {
    const { client, runs } = cluster;
    // Alone, so the call is surely its own.
    for (const other of cluster.workers) {
      other.child.kill('SIGTERM');
      await other.exited;
    }
    const worker = await cluster.startWorker({ extraArgs: ['--shutdown-deadline-ms', '8000'] });
    const jobId = await client.submit({
      request: {
        kind: 'run-code',
        // Ignores interrupts: the worker has to escalate to stop it.
        code: runs.code(
          'stubborn',
          'import time\nwhile True:\n    try:\n        time.sleep(0.1)\n    except KeyboardInterrupt:\n        pass',
        ),
        sessionId: 'stubborn',
      },
    });
    jobIds.push(jobId);
    await expect.poll(() => runs.count('stubborn'), { timeout: ANSWER_BOUND_MS }).toBe(1);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    const stopped = await worker.waitForLog('worker stopped');
    expect(stopped['tookMs']).toBeLessThanOrEqual(8_000);
    const result = await client.wait({ jobId, timeoutMs: ANSWER_BOUND_MS });
    expect(['cancelled', 'session-lost']).toContain(result.status);
    expect(await runs.count('stubborn')).toBe(1);
  });

  test('every call has one answer, nothing is stranded, no container is left', async () => {
    await cluster.assertClean(jobIds);
  });
});
