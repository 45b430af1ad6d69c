// One job id, one run, one answer, however many times the id is submitted or delivered: a
// resubmit of a call that opens a new session, and second copies of a job in other queues
// (where BullMQ does not drop a second add of an id), while its run goes on on a live
// worker. Real Redis and real workers; the session's tool runs in this process and waits for
// the test to let it finish, so every interleaving below is driven, not timed.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { z } from 'zod';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ActionExecutor, defineTool, safeParseJson } from '../../../core/index.ts';
import type { JobResult } from '../../../workers/queue/job-schema.ts';
import { JobRunner } from '../../../workers/queue/job-runner.ts';
import { purgeQueue } from '../../../workers/queue/purge-queue.ts';
import { RedisJobClient } from '../../../workers/queue/redis-job-client.ts';
import { createRedis, redisKeys } from '../../../workers/queue/redis-keys.ts';
import type { RedisKeys } from '../../../workers/queue/redis-keys.ts';
import { beat } from '../../../workers/queue/redis-scripts.ts';
import { ToolWorker } from '../../../workers/queue/tool-worker.ts';
import { redisUrl, requireRedis } from '../../support/services.ts';

/** Runs of each tag, and the tags each session has run, as the tool saw them. */
const runs = new Map<string, number>();
const sessions = new Map<string, string[]>();
/** A tag's call waits for its gate; `started` resolves when it began. */
const gates = new Map<
  string,
  { started: PromiseWithResolvers<void>; open: PromiseWithResolvers<void> }
>();

function gate(tag: string) {
  let entry = gates.get(tag);
  if (!entry) {
    entry = { started: Promise.withResolvers<void>(), open: Promise.withResolvers<void>() };
    gates.set(tag, entry);
  }
  return entry;
}

const gatedTool = defineTool({
  name: 'Gated',
  description:
    "Records its tag in the session, waits for the test's go when asked, and returns the session's tags.",
  parameters: z.object({ tag: z.string(), hold: z.boolean().default(false) }),
  execute: async ({ tag, hold }, { sessionId }) => {
    runs.set(tag, (runs.get(tag) ?? 0) + 1);
    const seen = sessions.get(String(sessionId)) ?? [];
    seen.push(tag);
    sessions.set(String(sessionId), seen);
    gate(tag).started.resolve();
    if (hold) await gate(tag).open.promise;
    return seen.join(',');
  },
});

const call = (tag: string, sessionId: string, hold = true) => ({
  kind: 'tool-call' as const,
  call: { name: 'Gated', parameters: { tag, hold } },
  sessionId,
});

describe('a job id delivered more than once', () => {
  let queueName: string;
  let keys: RedisKeys;
  let redis: Redis;
  const workers: ToolWorker[] = [];
  const clients: RedisJobClient[] = [];
  const queues: Queue[] = [];
  /** The workers' log records, and a wake-up for whoever waits for one. */
  const logs: Record<string, unknown>[] = [];
  let logged = Promise.withResolvers<void>();

  beforeEach(async () => {
    await requireRedis();
    queueName = `test-dup-${randomUUID().slice(0, 8)}`;
    keys = redisKeys(queueName);
    redis = createRedis(redisUrl().href);
  });

  afterEach(async () => {
    try {
      for (const { open } of gates.values()) open.resolve();
      await Promise.all(queues.splice(0).map((queue) => queue.close()));
      await Promise.all(clients.splice(0).map((client) => client.close()));
      await Promise.all(workers.splice(0).map((worker) => worker.close({ deadlineMs: 5_000 })));
    } finally {
      redis.disconnect();
      await purgeQueue({ queueName });
    }
  });

  async function startWorker({ leaseMs = 10_000 } = {}): Promise<ToolWorker> {
    const runner = new JobRunner({ executor: new ActionExecutor({ actions: [gatedTool] }) });
    const logger = pino(
      { level: 'debug' },
      {
        write: (line: string) => {
          const parsed = safeParseJson(line);
          if (parsed.success) logs.push(parsed.value as Record<string, unknown>);
          logged.resolve();
          logged = Promise.withResolvers<void>();
        },
      },
    );
    const worker = await ToolWorker.start({ runner, queueName, concurrency: 4, leaseMs, logger });
    workers.push(worker);
    return worker;
  }

  /** The first worker log record about `jobId` whose message is one of `messages`. */
  async function firstLogOf(jobId: string, messages: readonly string[]): Promise<string> {
    for (;;) {
      const found = logs.find(
        (record) => record['jobId'] === jobId && messages.includes(String(record['msg'])),
      );
      if (found) return String(found['msg']);
      await logged.promise;
    }
  }

  async function connect(sessionScope?: string): Promise<RedisJobClient> {
    const client = await RedisJobClient.connect({
      queueName,
      livenessIntervalMs: 500,
      ...(sessionScope === undefined ? {} : { sessionScope }),
    });
    clients.push(client);
    return client;
  }

  function queue(name: string): Queue {
    const opened = new Queue(name, { connection: { url: redisUrl().href } });
    queues.push(opened);
    return opened;
  }

  /** How many results the results stream holds for a job: a job has exactly one. */
  async function answers(jobId: string): Promise<number> {
    const entries = await redis.xrange(keys.results, '-', '+');
    return entries.filter(([, fields]) => {
      const parsed = safeParseJson(fields[1] ?? '');
      return parsed.success && (parsed.value as JobResult).jobId === jobId;
    }).length;
  }

  /** Adds a second copy of a queued or running job to `target`, as a resubmit or a forward would. */
  async function addCopy(jobId: string, from: string, target: string): Promise<Queue> {
    const original = await queue(from).getJob(jobId);
    if (!original) throw new Error(`job ${jobId} is not in ${from}`);
    const copies = queue(target);
    await copies.add(original.name, original.data, { ...original.opts, jobId });
    return copies;
  }

  /** Resolves with the copy's state once a worker has taken it and is done with it for now. */
  async function settled(copies: Queue, jobId: string): Promise<string> {
    let state = 'waiting';
    await expect
      .poll(
        async () => {
          state = await copies.getJobState(jobId);
          return ['waiting', 'prioritized', 'active'].includes(state);
        },
        { timeout: 30_000, interval: 20 },
      )
      .toBe(false);
    return state;
  }

  /** The session's next call runs on, after the first: its tags say the first ran once. */
  async function nextCallWorks(client: RedisJobClient, sessionId: string, first: string) {
    const next = await client.wait({
      jobId: await client.submit({ request: call(`${first}-next`, sessionId, false) }),
      timeoutMs: 30_000,
    });
    expect(next.status).toBe('completed');
    expect(next.actionReturn?.result?.[0]?.content).toBe(`${first},${first}-next`);
  }

  test.each([
    { how: '50 ms apart, from another client of the scope', gapMs: 50, sameClient: false },
    { how: '50 ms apart, from the same client', gapMs: 50, sameClient: true },
    { how: 'at once, from both clients', gapMs: 0, sameClient: false },
  ])(
    'the same id submitted twice for a call that opens a new session ($how): one run, one answer, the session goes on',
    async ({ gapMs, sameClient }) => {
      await startWorker();
      const client = await connect();
      const again = sameClient ? client : await connect(client.sessionScope);
      const jobId = `dup-${randomUUID().slice(0, 8)}`;
      const sessionId = `s-${randomUUID().slice(0, 6)}`;
      const request = call(jobId, sessionId);
      const submits = [client.submit({ request, jobId })];
      if (gapMs > 0) await sleep(gapMs); // the scenario: the second submit comes 50 ms later
      submits.push(again.submit({ request, jobId }));
      if (gapMs === 0) submits.push(client.submit({ request, jobId }));
      expect(await Promise.all(submits)).toEqual(submits.map(() => jobId));
      // Both wait while the call runs; one more submit comes while it runs.
      const waits = [client.wait({ jobId }), again.wait({ jobId })];
      await gate(jobId).started.promise;
      await again.submit({ request, jobId });
      expect((await client.getJob({ jobId })).state).toBe('running');
      gate(jobId).open.resolve();
      const [first, second] = await Promise.all(waits);
      expect(first?.status).toBe('completed');
      expect(second).toEqual(first);
      expect(runs.get(jobId)).toBe(1);
      expect(await answers(jobId)).toBe(1);
      await nextCallWorks(client, sessionId, jobId);
    },
  );

  test('a copy in another queue of the worker running the job waits for the run, and is not answered session-lost', async () => {
    const worker = await startWorker();
    const client = await connect();
    const jobId = `copy-${randomUUID().slice(0, 8)}`;
    const sessionId = `s-${randomUUID().slice(0, 6)}`;
    await client.submit({ request: call(jobId, sessionId), jobId });
    const waited = client.wait({ jobId });
    await gate(jobId).started.promise;
    expect(await client.getJob({ jobId })).toMatchObject({ state: 'running', workerId: worker.id });
    // The same id in the shared queue, which this worker also takes from: the copy waits
    // for the delivery here (before, it was failed at once, the job answered session-lost).
    const copies = await addCopy(jobId, keys.workerQueue(worker.id), keys.sharedQueue);
    expect(
      await firstLogOf(jobId, ['a second delivery waits for the one held here', 'job failed']),
    ).toBe('a second delivery waits for the one held here');
    expect(await copies.getJobState(jobId)).toBe('active');
    expect((await client.getJob({ jobId })).state).toBe('running');
    gate(jobId).open.resolve();
    const result = await waited;
    expect(result.status).toBe('completed');
    expect(result.actionReturn?.result?.[0]?.content).toBe(jobId);
    // The copy ended once the run had, answered from its result (and was removed).
    await expect.poll(() => copies.getJobState(jobId), { timeout: 30_000 }).toBe('unknown');
    expect(worker.health()['duplicates']).toBe(1);
    expect(runs.get(jobId)).toBe(1);
    expect(await answers(jobId)).toBe(1);
    await nextCallWorks(client, sessionId, jobId);
  });

  test('a copy taken by another live worker is dropped, and the run there answers', async () => {
    const pair = await Promise.all([startWorker(), startWorker()]);
    const client = await connect();
    const jobId = `copy-${randomUUID().slice(0, 8)}`;
    const sessionId = `s-${randomUUID().slice(0, 6)}`;
    await client.submit({ request: call(jobId, sessionId), jobId });
    const waited = client.wait({ jobId });
    await gate(jobId).started.promise;
    const owner = (await client.getJob({ jobId })).workerId;
    const other = pair.find((worker) => worker.id !== owner) as ToolWorker;
    // The same id in the other worker's own queue (as a forward or a resubmit adds it).
    const copies = await addCopy(jobId, keys.workerQueue(owner ?? ''), keys.workerQueue(other.id));
    // Completed and removed (before: failed, the job answered session-lost).
    expect(await settled(copies, jobId)).toBe('unknown');
    expect(other.health()['duplicates']).toBe(1);
    expect((await client.getJob({ jobId })).state).toBe('running');
    gate(jobId).open.resolve();
    const result = await waited;
    expect(result).toMatchObject({ status: 'completed', workerId: owner });
    expect(runs.get(jobId)).toBe(1);
    expect(await answers(jobId)).toBe(1);
    await nextCallWorks(client, sessionId, jobId);
  });

  test("copies left in a dead worker's queue are not answered for the calls a live worker holds", async () => {
    // Long leases: no timer sweep. The worker that does not own the session clears the dead
    // worker's queue, when the test says so.
    const pair = await Promise.all([
      startWorker({ leaseMs: 120_000 }),
      startWorker({ leaseMs: 120_000 }),
    ]);
    const client = await connect();
    const sessionId = `s-${randomUUID().slice(0, 6)}`;
    const [running, queued] = [
      `run-${randomUUID().slice(0, 8)}`,
      `next-${randomUUID().slice(0, 8)}`,
    ];
    await client.submit({ request: call(running, sessionId), jobId: running });
    await client.submit({ request: call(queued, sessionId, false), jobId: queued });
    const waits = [client.wait({ jobId: running }), client.wait({ jobId: queued })];
    await gate(running).started.promise;
    const ownerId = (await client.getJob({ jobId: running })).workerId ?? '';
    const reaper = pair.find(({ id }) => id !== ownerId) as ToolWorker;
    // The second call waits for its turn on its owner. Copies of both calls sit in the
    // queue of a worker that then dies.
    const dead = `gone-${randomUUID().slice(0, 6)}`;
    await beat(redis, keys, {
      workerId: dead,
      health: JSON.stringify({ status: 'ok', sessions: 1_000, active: 0 }),
      leaseMs: 60_000,
      register: true,
      sessionTtlMs: 60_000,
      sessions: [],
    });
    for (const jobId of [running, queued])
      await addCopy(jobId, keys.workerQueue(ownerId), keys.workerQueue(dead));
    await redis.del(keys.worker(dead));
    expect(await reaper.reapDeadWorkers()).toEqual([dead]);
    expect((await client.getJob({ jobId: running })).state).toBe('running');
    expect((await client.getJob({ jobId: queued })).state).toBe('queued');
    gate(running).open.resolve();
    const [first, second] = await Promise.all(waits);
    expect(first).toMatchObject({ status: 'completed', workerId: ownerId });
    expect(second).toMatchObject({ status: 'completed', workerId: ownerId });
    expect(second?.actionReturn?.result?.[0]?.content).toBe(`${running},${queued}`);
    for (const jobId of [running, queued]) {
      expect(runs.get(jobId)).toBe(1);
      expect(await answers(jobId)).toBe(1);
    }
  });
});
