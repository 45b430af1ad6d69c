// A worker killed with SIGKILL leaves calls in its own queue, which only it consumed. The
// live workers clear it: the call that was running and the calls queued behind it in a
// session that had started are answered "session lost"; a session that never started there
// moves, in order, to a live worker and runs there, once.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { executionText } from '../../core/index.ts';
import type { FaultCluster } from './support/fault-cluster.ts';
import { startFaultCluster } from './support/fault-cluster.ts';

// The lease, the survivor's next pass over dead workers (once per lease), and room for load.
const ANSWER_BOUND_MS = 90_000;

describe("a dead worker's own queue", () => {
  let cluster: FaultCluster;

  beforeAll(async () => {
    cluster = await startFaultCluster();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  const submit = (code: string, sessionId: string) => cluster.submitCode(code, sessionId);

  test('is answered or moved: nothing waits forever, nothing runs twice', async () => {
    const { client, runs } = cluster;
    // One slot for its own queue: the second session's call waits behind the first's.
    const doomed = await cluster.startWorker({ extraArgs: ['--concurrency', '1'] });
    await client.wait({ jobId: await submit('kept = 1', 'started') });
    const running = await submit(
      runs.code('running', 'import time\nfor _ in range(600):\n    time.sleep(0.1)'),
      'started',
    );
    const behind = await submit(runs.code('behind', 'print(kept)'), 'started');
    await expect.poll(() => runs.count('running'), { timeout: ANSWER_BOUND_MS }).toBe(1);
    // Given to the only live worker, which is busy: this session never starts there.
    const unstarted = [
      await submit(runs.code('unstarted-1', 'n = 1'), 'unstarted'),
      await submit(runs.code('unstarted-2', 'n += 1\nn'), 'unstarted'),
    ];
    const survivor = await cluster.startWorker();
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    for (const jobId of [running, behind]) {
      const result = await client.wait({ jobId, timeoutMs: ANSWER_BOUND_MS });
      expect(result.status).toBe('session-lost');
    }
    const moved = await Promise.all(
      unstarted.map((jobId) => client.wait({ jobId, timeoutMs: ANSWER_BOUND_MS })),
    );
    expect(moved.map((result) => result.status)).toEqual(['completed', 'completed']);
    expect(moved.every((result) => result.workerId === survivor.workerId)).toBe(true);
    // They ran in their order, in one session, once each.
    expect(moved[1]?.execution && executionText(moved[1].execution)).toBe('2');
    expect(await runs.counts()).toEqual({
      running: 1,
      'unstarted-1': 1,
      'unstarted-2': 1,
    });
  });

  test('every call has one answer, nothing is stranded, no container is left', async () => {
    await cluster.assertClean();
  });
});
