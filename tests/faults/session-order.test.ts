// A burst of new sessions, each with several calls submitted at once, before any of them
// has an owner: every session's calls run in the order they were submitted, on one worker.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FaultCluster } from './support/fault-cluster.ts';
import { startFaultCluster } from './support/fault-cluster.ts';

const SESSIONS = 200;
const CALLS = 3;
const ANSWER_BOUND_MS = 180_000;

describe("a session's calls run in submission order", () => {
  let cluster: FaultCluster;
  const jobIds: string[] = [];

  beforeAll(async () => {
    cluster = await startFaultCluster();
    await Promise.all([cluster.startWorker(), cluster.startWorker()]);
  });
  afterAll(async () => {
    await cluster?.close();
  });

  test(`${SESSIONS} new sessions × ${CALLS} calls, all submitted at once`, async () => {
    const { client } = cluster;
    // Nothing awaited between submits: every call is in flight before any session has run.
    const submitted = Array.from({ length: SESSIONS }, (_, session) =>
      Array.from({ length: CALLS }, (_, index) =>
        client.submit({
          request: {
            kind: 'tool-call',
            call: { name: 'Sequence', parameters: { n: index + 1, jitterMs: 20 } },
            sessionId: `burst-${session}`,
          },
        }),
      ),
    );
    const ids = await Promise.all(submitted.map((calls) => Promise.all(calls)));
    jobIds.push(...ids.flat());
    const results = await Promise.all(
      ids.map((calls) =>
        Promise.all(calls.map((jobId) => client.wait({ jobId, timeoutMs: ANSWER_BOUND_MS }))),
      ),
    );
    const outOfOrder = results.filter((calls) =>
      calls.some(
        (result, index) =>
          result.status !== 'completed' ||
          result.actionReturn?.result?.[0]?.content !==
            Array.from({ length: index + 1 }, (_, n) => n + 1).join(','),
      ),
    );
    expect(outOfOrder.length).toBe(0);
    // Each session stayed on one worker, and both workers took sessions.
    const workersOf = results.map((calls) => new Set(calls.map((result) => result.workerId)));
    expect(workersOf.every((workers) => workers.size === 1)).toBe(true);
    expect(new Set(workersOf.map((workers) => [...workers][0])).size).toBe(2);
  });

  test('every call has one answer, nothing is stranded, no container is left', async () => {
    await cluster.assertClean(jobIds);
  });
});
