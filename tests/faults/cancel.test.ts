// Cancelling a call reaches the code it runs, on the worker that owns its session: by
// cancel(), by a wait's deadline, by an aborted wait. The kernel is interrupted (the code
// sees KeyboardInterrupt), and the session serves its next call.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AbortedError, executionText } from '../../core/index.ts';
import type { FaultCluster } from './support/fault-cluster.ts';
import { startFaultCluster } from './support/fault-cluster.ts';

// Bound on every answer here: far above what the mechanism needs (well under a second),
// with room for a loaded machine.
const ANSWER_BOUND_MS = 60_000;

const LOOP_UNTIL_INTERRUPTED = [
  'import time',
  'try:',
  '    while True:',
  '        time.sleep(0.05)',
  'except KeyboardInterrupt:',
  '    interrupted = True',
  '    raise',
].join('\n');

describe('cancel reaches the running code', () => {
  let cluster: FaultCluster;

  beforeAll(async () => {
    cluster = await startFaultCluster();
    await cluster.startWorker();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  const submit = (code: string, sessionId: string) => cluster.submitCode(code, sessionId);

  test.each(['cancel()', 'a wait deadline', 'an aborted wait'])(
    'by %s: the kernel is interrupted, the code started once, and the session goes on',
    async (how) => {
      const { client, runs } = cluster;
      const sessionId = `cancel-${how.replace(/\W+/g, '-')}`;
      const tag = sessionId.replace(/-+$/, '');
      await client.wait({ jobId: await submit('interrupted = False', sessionId) });
      const jobId = await submit(runs.code(tag, LOOP_UNTIL_INTERRUPTED), sessionId);
      // The code is running: it recorded its start inside the sandbox.
      await expect.poll(() => runs.count(tag), { timeout: ANSWER_BOUND_MS }).toBe(1);
      let status: string;
      if (how === 'cancel()') {
        expect(await client.cancel({ jobId })).toBe(true);
        status = (await client.wait({ jobId, timeoutMs: ANSWER_BOUND_MS })).status;
      } else if (how === 'a wait deadline') {
        status = (await client.wait({ jobId, timeoutMs: 500 })).status;
      } else {
        const controller = new AbortController();
        const waiting = client.wait({ jobId, signal: controller.signal });
        controller.abort();
        await expect(waiting).rejects.toBeInstanceOf(AbortedError);
        status = (await client.getJob({ jobId })).result?.status ?? 'none';
      }
      expect(status).toBe(how === 'a wait deadline' ? 'timed-out' : 'cancelled');
      // The session's next call runs, and sees that the cancelled code was interrupted.
      const next = await client.wait({
        jobId: await submit('interrupted', sessionId),
        timeoutMs: ANSWER_BOUND_MS,
      });
      expect(next.status).toBe('completed');
      expect(next.execution && executionText(next.execution)).toBe('True');
      expect(await runs.count(tag)).toBe(1);
    },
  );

  test('every call has one answer, nothing is stranded, no container is left', async () => {
    await cluster.assertClean();
  });
});
