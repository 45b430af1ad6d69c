// The job-state scripts on real Redis: one result per job, at most one start, a session's
// calls in submission order, deadlines, fencing of a worker whose lease ran out.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Redis } from 'ioredis';
import { purgeQueue } from '../../../workers/queue/purge-queue.ts';
import { createRedis, redisKeys } from '../../../workers/queue/redis-keys.ts';
import {
  beat,
  beginJob,
  endTurn,
  releaseJob,
  storeVerdict,
  storeWorkerResult,
  submitJob,
} from '../../../workers/queue/redis-scripts.ts';
import { outcomeResult } from '../../../workers/queue/job-outcomes.ts';
import { parseJobState } from '../../../workers/queue/job-state.ts';
import type { JobResult } from '../../../workers/queue/job-schema.ts';
import { redisUrl, requireRedis } from '../../support/services.ts';

const queueName = `test-${randomUUID().slice(0, 8)}`;
const keys = redisKeys(queueName);
const request = { kind: 'run-code' as const, code: 'x', language: 'python' as const };
let redis: Redis;

beforeAll(async () => {
  await requireRedis();
  redis = createRedis(redisUrl().href);
});
afterAll(async () => {
  redis?.disconnect();
  await purgeQueue({ queueName });
});

const register = (workerId: string, health: Record<string, unknown> = {}) =>
  beat(redis, keys, {
    workerId,
    health: JSON.stringify({ status: 'ok', sessions: 0, active: 0, ...health }),
    leaseMs: 60_000,
    register: true,
    sessionTtlMs: 60_000,
    sessions: [],
  });

const submit = (jobId: string, sessionKey?: string, deadlineMs = 60_000) =>
  submitJob(redis, keys, {
    jobId,
    sessionKey,
    expectedOwner: undefined,
    deadlineMs,
    resultTtlS: 60,
    sessionTtlMs: 60_000,
  });

const start = (jobId: string, workerId: string) => beginJob(redis, keys, { jobId, workerId });
const completed = (jobId: string, workerId: string): JobResult => ({
  jobId,
  status: 'completed',
  workerId,
});

test('a running job is given back for a retry by its own worker only', async () => {
  await register('w1');
  await register('w2');
  const jobId = randomUUID();
  await submit(jobId);
  expect(await start(jobId, 'w1')).toEqual({ kind: 'run' });
  expect(await releaseJob(redis, keys, { jobId, workerId: 'w2' })).toBe(false);
  expect(await start(jobId, 'w2')).toEqual({ kind: 'running', worker: 'w1', alive: true });
  expect(await releaseJob(redis, keys, { jobId, workerId: 'w1' })).toBe(true);
  expect(await start(jobId, 'w2')).toEqual({ kind: 'run' });
});

test('a job that ended meanwhile keeps its result: no retry, no second run, no late result', async () => {
  await register('w1');
  const jobId = randomUUID();
  await submit(jobId);
  expect(await start(jobId, 'w1')).toEqual({ kind: 'run' });
  const verdict = outcomeResult({ jobId, request, status: 'timed-out' });
  expect(await storeVerdict(redis, keys, { result: verdict })).toBe(true);
  expect(await releaseJob(redis, keys, { jobId, workerId: 'w1' })).toBe(false);
  expect(await start(jobId, 'w1')).toEqual({ kind: 'done' });
  expect(
    await storeWorkerResult(redis, keys, { result: completed(jobId, 'w1'), workerId: 'w1' }),
  ).toBe('already-ended');
  const state = parseJobState(await redis.get(keys.state(jobId)));
  expect(state?.status === 'done' && state.result.status).toBe('timed-out');
});

test("a worker's verdict on a job whose record went with Redis's data does not bring it back", async () => {
  await register('w1');
  const jobId = randomUUID();
  await submit(jobId);
  expect(await start(jobId, 'w1')).toEqual({ kind: 'run' });
  const verdict = outcomeResult({ jobId, request, status: 'session-lost' });
  await redis.del(keys.state(jobId));
  expect(await storeVerdict(redis, keys, { result: verdict, onlyIfKnown: true })).toBe(false);
  expect(await redis.exists(keys.state(jobId))).toBe(0);
  // While the record is there, the same verdict is stored.
  const other = randomUUID();
  await submit(other);
  expect(await start(other, 'w1')).toEqual({ kind: 'run' });
  expect(
    await storeVerdict(redis, keys, {
      result: outcomeResult({ jobId: other, request, status: 'session-lost' }),
      onlyIfKnown: true,
    }),
  ).toBe(true);
});

test('the same job id submitted twice is queued once', async () => {
  const jobId = randomUUID();
  expect((await submit(jobId)).kind).toBe('queued');
  expect((await submit(jobId)).kind).toBe('exists');
});

test('a job taken after its deadline expires instead of running', async () => {
  await register('w1');
  const jobId = randomUUID();
  await submit(jobId, undefined, 0);
  // Taken once Redis's clock has passed the deadline (two scripts may share a millisecond).
  const redisMs = async () => {
    const [seconds, micros] = await redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  };
  const submittedBy = await redisMs();
  await expect.poll(redisMs, { interval: 1 }).toBeGreaterThan(submittedBy);
  expect(await start(jobId, 'w1')).toEqual({ kind: 'expired' });
});

test('a worker whose lease expired is fenced: it cannot start jobs or store results', async () => {
  const workerId = `fenced-${randomUUID().slice(0, 6)}`;
  await register(workerId);
  const jobId = randomUUID();
  await submit(jobId);
  expect(await start(jobId, workerId)).toEqual({ kind: 'run' });
  await redis.del(keys.worker(workerId)); // the lease ran out
  expect(
    await storeWorkerResult(redis, keys, { result: completed(jobId, workerId), workerId }),
  ).toBe('fenced');
  const renewed = await beat(redis, keys, {
    workerId,
    health: '{}',
    leaseMs: 60_000,
    register: false,
    sessionTtlMs: 60_000,
    sessions: [],
  });
  expect(renewed).toBe(false);
  const other = randomUUID();
  await submit(other);
  expect(await start(other, workerId)).toEqual({ kind: 'fenced' });
});

test("a session's calls start in the order they were submitted, whatever order they arrive in", async () => {
  const owner = `owner-${randomUUID().slice(0, 6)}`;
  await register(owner, { sessions: -1_000 }); // the least loaded: new sessions go here
  const sessionKey = `scope:${randomUUID().slice(0, 6)}`;
  const ids = [randomUUID(), randomUUID(), randomUUID()];
  const submissions = [];
  for (const jobId of ids) submissions.push(await submit(jobId, sessionKey));
  expect(submissions.map((submission) => submission.kind === 'queued' && submission.seq)).toEqual([
    1, 2, 3,
  ]);
  expect(
    submissions.every((submission) => submission.kind === 'queued' && submission.owner === owner),
  ).toBe(true);
  const [first, second, third] = ids as [string, string, string];
  expect(await start(third, owner)).toEqual({ kind: 'wait', turn: 1 });
  expect(await start(first, owner)).toEqual({ kind: 'run' });
  expect(await start(second, owner)).toEqual({ kind: 'wait', turn: 1 });
  // The third call is cancelled while it waits: the line moves past it once the second ends.
  await storeVerdict(redis, keys, {
    result: outcomeResult({ jobId: third, request, status: 'cancelled' }),
  });
  await storeWorkerResult(redis, keys, { result: completed(first, owner), workerId: owner });
  expect(await start(second, owner)).toEqual({ kind: 'run' });
  await storeWorkerResult(redis, keys, { result: completed(second, owner), workerId: owner });
  expect(await redis.hget(keys.session(sessionKey), 'next')).toBe('4');
  expect(await start(third, owner)).toEqual({ kind: 'done' });
});

test('a turn whose call left no record is skipped', async () => {
  const owner = `owner-${randomUUID().slice(0, 6)}`;
  await register(owner, { sessions: -2_000 });
  const sessionKey = `scope:${randomUUID().slice(0, 6)}`;
  const [lost, next] = [randomUUID(), randomUUID()];
  await submit(lost, sessionKey);
  await submit(next, sessionKey);
  await redis.del(keys.state(lost));
  expect(await start(next, owner)).toEqual({ kind: 'wait', turn: 1 });
  await endTurn(redis, keys, { sessionKey, turn: 1 });
  expect(await start(next, owner)).toEqual({ kind: 'run' });
});

test('a session whose owner died: the next call hears so, the one after starts afresh', async () => {
  const owner = `owner-${randomUUID().slice(0, 6)}`;
  await register(owner, { sessions: -3_000 });
  const sessionKey = `scope:${randomUUID().slice(0, 6)}`;
  await submit(randomUUID(), sessionKey);
  await redis.del(keys.worker(owner));
  expect(await submit(randomUUID(), sessionKey)).toEqual({ kind: 'session-lost', owner });
  const fresh = await submit(randomUUID(), sessionKey);
  expect(fresh.kind === 'queued' && fresh.seq).toBe(1);
});

test('a session without any live worker to own it is refused', async () => {
  const emptyKeys = redisKeys(`empty-${randomUUID().slice(0, 8)}`);
  const submission = await submitJob(redis, emptyKeys, {
    jobId: randomUUID(),
    sessionKey: 'scope:s',
    expectedOwner: undefined,
    deadlineMs: 1_000,
    resultTtlS: 60,
    sessionTtlMs: 60_000,
  });
  expect(submission).toEqual({ kind: 'no-worker' });
  await purgeQueue({ queueName: emptyKeys.sharedQueue });
});

test('the same id resubmitted while its first call of a new session runs: a second delivery hears the run goes on', async () => {
  const owner = `owner-${randomUUID().slice(0, 6)}`;
  const other = `other-${randomUUID().slice(0, 6)}`;
  await register(owner, { sessions: -4_000 }); // the least loaded: the new session goes here
  await register(other, { sessions: 1_000 });
  const sessionKey = `scope:${randomUUID().slice(0, 6)}`;
  const jobId = randomUUID();
  const first = await submit(jobId, sessionKey);
  expect(first).toMatchObject({ kind: 'queued', owner, seq: 1 });
  // Resubmitted before it starts, and again once it runs: one record, one place in line.
  expect((await submit(jobId, sessionKey)).kind).toBe('exists');
  expect(await start(jobId, owner)).toEqual({ kind: 'run' });
  const again = await submit(jobId, sessionKey);
  expect(again.kind === 'exists' && parseJobState(again.record)?.status).toBe('running');
  // Copies of the job delivered now (on its own worker, or on another): the run is alive.
  expect(await start(jobId, owner)).toEqual({ kind: 'running', worker: owner, alive: true });
  expect(await start(jobId, other)).toEqual({ kind: 'running', worker: owner, alive: true });
  // The run's result is the job's one answer, and the session goes on.
  expect(
    await storeWorkerResult(redis, keys, { result: completed(jobId, owner), workerId: owner }),
  ).toBe('stored');
  expect(await start(jobId, other)).toEqual({ kind: 'done' });
  const state = parseJobState(await redis.get(keys.state(jobId)));
  expect(state?.status === 'done' && state.result.status).toBe('completed');
  const next = randomUUID();
  expect(await submit(next, sessionKey)).toMatchObject({ kind: 'queued', owner, seq: 2 });
  expect(await start(next, owner)).toEqual({ kind: 'run' });
});

test("a second delivery of a job whose worker's lease is gone hears the run died with it", async () => {
  const owner = `owner-${randomUUID().slice(0, 6)}`;
  await register(owner, { sessions: -5_000 });
  const jobId = randomUUID();
  await submit(jobId, `scope:${randomUUID().slice(0, 6)}`);
  expect(await start(jobId, owner)).toEqual({ kind: 'run' });
  await redis.del(keys.worker(owner)); // the lease ran out
  const taker = `taker-${randomUUID().slice(0, 6)}`;
  await register(taker);
  expect(await start(jobId, taker)).toEqual({ kind: 'running', worker: owner, alive: false });
});
