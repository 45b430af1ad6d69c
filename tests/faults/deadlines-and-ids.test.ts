// A job carries its deadline: one a worker takes after it ends `expired`, unrun. A tool
// call's id is its idempotency key: the same call sent twice runs once and answers the
// same, also from another client of the same scope, for the idempotency window. A job id
// submitted twice while its call opens a session runs once and has one answer.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createAgentMessage, executionText } from '../../core/index.ts';
import type { ActionReturn } from '../../core/index.ts';
import { RedisJobClient } from '../../workers/queue/redis-job-client.ts';
import { redisKeys } from '../../workers/queue/redis-keys.ts';
import { createQueueExecutor, toolCallJobId } from '../../workers/queue/remote-action.ts';
import type { FaultCluster } from './support/fault-cluster.ts';
import { startFaultCluster } from './support/fault-cluster.ts';

const ANSWER_BOUND_MS = 90_000;

describe('deadlines travel with the job; tool-call ids are idempotency keys', () => {
  let cluster: FaultCluster;
  const jobIds: string[] = [];

  beforeAll(async () => {
    cluster = await startFaultCluster();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  test('a job whose deadline passed before a worker took it ends "expired" and never runs', async () => {
    const { client, runs } = cluster;
    // No worker yet: the caller gives up (it never waits) and its deadline passes.
    const deadlineMs = 1_000;
    const jobId = await client.submit({
      request: { kind: 'run-code', code: runs.code('too-late', 'print("ran")') },
      deadlineMs,
    });
    const passedAt = Date.now() + deadlineMs; // the deadline runs from before submit returned
    jobIds.push(jobId);
    // Waits for the deadline itself to pass, then starts the worker.
    await expect.poll(() => Date.now(), { timeout: ANSWER_BOUND_MS }).toBeGreaterThan(passedAt);
    await cluster.startWorker();
    await expect
      .poll(async () => (await client.getJob({ jobId })).result?.status, {
        timeout: ANSWER_BOUND_MS,
      })
      .toBe('expired');
    expect(await runs.count('too-late')).toBe(0);
  });

  test('the same tool call sent twice runs once and gets the same answer, from any client of its scope', async () => {
    const { client, runs, queueName, redis } = cluster;
    const executor = await createQueueExecutor({ client, tools: ['IPythonInteractive'] });
    const call = createAgentMessage({
      sender: 'Agent',
      content: {
        name: 'IPythonInteractive',
        parameters: { command: runs.code('tool-call', 'print("once")') },
        id: `call_${randomUUID().slice(0, 8)}`,
      },
    });
    const first = (await executor.call(call, { sessionId: 'agent' })).content as ActionReturn;
    const again = (await executor.call(call, { sessionId: 'agent' })).content as ActionReturn;
    expect(first.result).toEqual([{ type: 'text', content: 'once' }]);
    expect(again).toEqual(first);
    // Another client of the same scope (an agent process that restarted, say).
    const other = await RedisJobClient.connect({
      redisUrl: redis.url,
      queueName,
      sessionScope: client.sessionScope,
    });
    try {
      const retried = await createQueueExecutor({ client: other, tools: ['IPythonInteractive'] });
      expect((await retried.call(call, { sessionId: 'agent' })).content).toEqual(first);
    } finally {
      await other.close();
    }
    expect(await runs.count('tool-call')).toBe(1);
    // The answer is kept for the idempotency window (24 h by default); a job with a random
    // id keeps its result for an hour.
    const keys = redisKeys(queueName);
    const callJob = toolCallJobId(
      client.sessionScope,
      'agent',
      String((call.content as { id: string }).id),
    );
    jobIds.push(callJob);
    const ttl = Number(await redis.command('TTL', keys.state(callJob)));
    expect(ttl).toBeGreaterThan(23 * 3_600);
    const plain = await client.submit({ request: { kind: 'run-code', code: '1' } });
    jobIds.push(plain);
    await client.wait({ jobId: plain });
    expect(Number(await redis.command('TTL', keys.state(plain)))).toBeLessThanOrEqual(3_600);
  });

  test('the same job id submitted twice (50 ms apart, and at once) as its call opens a session: one run, one answer for both waits, the session goes on', async () => {
    const { client, runs, queueName, redis } = cluster;
    // Another client of the scope: an agent process that restarted and sends the call again.
    const other = await RedisJobClient.connect({
      redisUrl: redis.url,
      queueName,
      sessionScope: client.sessionScope,
    });
    try {
      for (const gapMs of [50, 0]) {
        const jobId = `resubmit-${gapMs}-${randomUUID().slice(0, 8)}`;
        const sessionId = `fresh-${randomUUID().slice(0, 6)}`;
        const request = {
          kind: 'run-code' as const,
          // It runs a moment: the second submit comes while the session starts or runs.
          code: runs.code(jobId, 'import time\ntime.sleep(1)\nkept = "once"\nprint(kept)'),
          sessionId,
        };
        const first = client.submit({ request, jobId });
        if (gapMs > 0) await sleep(gapMs);
        const second = other.submit({ request, jobId });
        expect(await Promise.all([first, second])).toEqual([jobId, jobId]);
        jobIds.push(jobId);
        const [mine, theirs] = await Promise.all([
          client.wait({ jobId, timeoutMs: ANSWER_BOUND_MS }),
          other.wait({ jobId, timeoutMs: ANSWER_BOUND_MS }),
        ]);
        expect(mine.status).toBe('completed');
        expect(mine.execution?.logs.stdout.join('')).toBe('once\n');
        expect(theirs).toEqual(mine);
        expect(await runs.count(jobId)).toBe(1);
        const next = await client.submit({
          request: { kind: 'run-code', code: 'kept', sessionId },
        });
        jobIds.push(next);
        const kept = await client.wait({ jobId: next, timeoutMs: ANSWER_BOUND_MS });
        expect(kept.status).toBe('completed');
        expect(kept.execution && executionText(kept.execution)).toBe("'once'");
      }
    } finally {
      await other.close();
    }
  });

  test('every call has one answer, nothing is stranded, no container is left', async () => {
    await cluster.assertClean(jobIds);
  });
});
