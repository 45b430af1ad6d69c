// Request limits on the Redis queue: a request over them is refused at submit with nothing
// written, and one that reaches a worker anyway (raw BullMQ, another submitter) is answered
// `failed` with the reason, without repeating the request, while the worker goes on serving.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RequestLimitError } from '../../../core/index.ts';
import {
  ActionExecutor,
  InvalidArgumentError,
  JobNotFoundError,
  RequestLimitError as RequestLimitErrorClass,
} from '../../../core/index.ts';
import { tool as echoTool } from '../../fixtures/tools/echo-tool.ts';
import { redisUrl, requireRedis } from '../../support/services.ts';
import type { JobResult } from '../../../workers/queue/job-schema.ts';
import { JobRunner } from '../../../workers/queue/job-runner.ts';
import { purgeQueue } from '../../../workers/queue/purge-queue.ts';
import { RedisJobClient } from '../../../workers/queue/redis-job-client.ts';
import { ToolWorker } from '../../../workers/queue/tool-worker.ts';

const MiB = 1024 * 1024;

function nested(depth: number): unknown {
  let value: unknown = {};
  for (let level = 1; level < depth; level += 1) value = { next: value };
  return value;
}

describe('request limits on the Redis queue', () => {
  const queueName = `test-limits-${randomUUID().slice(0, 8)}`;
  let worker: ToolWorker | undefined;
  let client: RedisJobClient | undefined;
  let redis: Redis | undefined;
  let raw: Queue | undefined;

  beforeAll(async () => {
    await requireRedis();
    // Tool calls only: no sandbox is needed to show what is refused and what is served.
    const runner = new JobRunner({ executor: new ActionExecutor({ actions: [echoTool] }) });
    worker = await ToolWorker.start({ runner, queueName, concurrency: 1, leaseMs: 10_000 });
    client = await RedisJobClient.connect({ queueName, livenessIntervalMs: 500 });
    redis = new Redis(redisUrl().href);
    raw = new Queue(queueName, { connection: { url: redisUrl().href } });
  });

  afterAll(async () => {
    try {
      await raw?.close();
      redis?.disconnect();
      await client?.close();
      await worker?.close({ deadlineMs: 5_000 });
    } finally {
      await purgeQueue({ queueName });
    }
  });

  /** The queue's keys and the bytes Redis holds for them. */
  async function queueFootprint(): Promise<{ keys: string[]; bytes: number }> {
    const keys: string[] = [];
    for (const pattern of [`bull:${queueName}*`, `lagent:${queueName}:*`]) {
      for await (const batch of (redis as Redis).scanStream({ match: pattern, count: 1_000 }))
        keys.push(...(batch as string[]));
    }
    let bytes = 0;
    for (const key of keys) bytes += (await (redis as Redis).memory('USAGE', key)) ?? 0;
    return { keys: keys.sort(), bytes };
  }

  /** The result the worker stored for a job it was handed directly. */
  async function answerOf(jobId: string): Promise<JobResult> {
    let result: JobResult | undefined;
    await expect
      .poll(
        async () => {
          const info = await (client as RedisJobClient)
            .getJob({ jobId })
            .catch((error: unknown) => {
              if (error instanceof JobNotFoundError) return undefined;
              throw error;
            });
          result = info?.result;
          return info?.state;
        },
        { timeout: 60_000, interval: 50 },
      )
      .toBe('ended');
    return result as JobResult;
  }

  async function echoStillServed(text: string): Promise<void> {
    const jobs = client as RedisJobClient;
    const jobId = await jobs.submit({
      request: { kind: 'tool-call', call: { name: 'Echo', parameters: { text } } },
    });
    const result = await jobs.wait({ jobId });
    expect(result.status).toBe('completed');
    expect(result.actionReturn?.result).toEqual([{ type: 'text', content: text }]);
  }

  test('20 MiB of code is refused at submit, and nothing is written to Redis', async () => {
    const jobs = client as RedisJobClient;
    const before = await queueFootprint();
    const submitted = jobs.submit({
      request: { kind: 'run-code', code: `print(${'1'.repeat(20 * MiB)})` },
      jobId: 'big-code',
    });
    await expect(submitted).rejects.toBeInstanceOf(RequestLimitErrorClass);
    await expect(submitted).rejects.toMatchObject({
      code: 'REQUEST_LIMIT_EXCEEDED',
      limit: 'maxCodeBytes',
    });
    const after = await queueFootprint();
    expect(after.keys.filter((key) => key.includes('big-code'))).toEqual([]);
    // The worker's heartbeat rewrites its keys meanwhile: a few hundred bytes, not 20 MB.
    expect(after.bytes - before.bytes).toBeLessThan(64 * 1024);
    expect(await (raw as Queue).getJobCountByTypes('waiting', 'active', 'delayed')).toBe(0);
  });

  test('submit refuses deep arguments, bad envs, bad session ids and long timeouts', async () => {
    const jobs = client as RedisJobClient;
    const refusal = (request: unknown) =>
      jobs.submit({ request: request as never }).then(
        () => undefined,
        (error: unknown) => error,
      );
    const deep = await refusal({
      kind: 'tool-call',
      call: { name: 'Echo', parameters: nested(100_000) },
    });
    expect(deep).toBeInstanceOf(RequestLimitErrorClass);
    expect((deep as RequestLimitError).limit).toBe('maxArgumentDepth');
    const preload = await refusal({ kind: 'run-code', code: '1', envs: { LD_PRELOAD: '/x.so' } });
    expect(preload).toBeInstanceOf(InvalidArgumentError);
    expect((preload as Error).message).toContain('LD_PRELOAD may not be set');
    const badName = await refusal({ kind: 'run-code', code: '1', envs: { 'A-B': 'x' } });
    expect((badName as Error).message).toContain('not a valid variable name');
    const badSession = await refusal({ kind: 'run-code', code: '1', sessionId: 'a b/c' });
    expect(badSession).toBeInstanceOf(InvalidArgumentError);
    expect((badSession as Error).message).toContain('Session id');
    const long = await refusal({ kind: 'run-code', code: '1', timeoutMs: 1e9 });
    expect((long as RequestLimitError).limit).toBe('maxExecutionTimeoutMs');
    await echoStillServed('after refusals');
  });

  test('a raw BullMQ job with 20 MiB of code is answered failed, briefly, and the worker serves the next job', async () => {
    await (raw as Queue).add(
      'job',
      { request: { kind: 'run-code', code: 'x'.repeat(20 * MiB) }, submittedAt: Date.now() },
      { jobId: 'raw-big-code' },
    );
    const result = await answerOf('raw-big-code');
    expect(result.status).toBe('failed');
    expect(result.execution?.error?.value).toContain('maxCodeBytes');
    // The answer says why; it does not carry the request back.
    expect(JSON.stringify(result).length).toBeLessThan(4_000);
    await echoStillServed('after a raw big job');
  });

  test('raw jobs with deep arguments, LD_PRELOAD or a long timeout are answered failed, unrun', async () => {
    const jobs = [
      ['raw-deep', { kind: 'tool-call', call: { name: 'Echo', parameters: nested(1_000) } }],
      ['raw-preload', { kind: 'run-code', code: '1', envs: { LD_PRELOAD: '/x.so' } }],
      [
        'raw-timeout',
        { kind: 'tool-call', call: { name: 'Echo', parameters: { text: 'x' } }, timeoutMs: 1e9 },
      ],
      ['raw-session', { kind: 'run-code', code: '1', sessionId: 'no spaces please' }],
    ] as const;
    for (const [jobId, request] of jobs)
      await (raw as Queue).add('job', { request, submittedAt: Date.now() }, { jobId });
    const answers = await Promise.all(jobs.map(([jobId]) => answerOf(jobId)));
    const reasons = answers.map((answer) => {
      expect(answer.status).toBe('failed');
      return answer.actionReturn?.errmsg ?? answer.execution?.error?.value ?? '';
    });
    expect(reasons[0]).toContain('maxArgumentDepth');
    expect(reasons[1]).toContain('LD_PRELOAD may not be set');
    expect(reasons[2]).toContain('maxExecutionTimeoutMs');
    expect(reasons[3]).toContain('Session id');
    await echoStillServed('after raw bad jobs');
  });

  test("a submitter allowing longer timeouts than the worker: the worker's limit answers", async () => {
    const lenient = await RedisJobClient.connect({
      queueName,
      limits: { maxExecutionTimeoutMs: 3_600_000 },
    });
    try {
      const jobId = await lenient.submit({
        request: {
          kind: 'tool-call',
          call: { name: 'Echo', parameters: { text: 'x' } },
          timeoutMs: 1_800_000,
        },
      });
      const result = await lenient.wait({ jobId });
      expect(result.status).toBe('failed');
      expect(result.actionReturn?.errmsg).toContain('600000 ms allowed (maxExecutionTimeoutMs)');
    } finally {
      await lenient.close();
    }
  });
});
