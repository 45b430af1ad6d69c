// jobs.submitBatch with fresh run-code jobs, on Redis (a `lagent worker` process on a queue
// of its own), embedded (jobs in this process) and over HTTP (a service in front of the
// embedded backend): every job is yielded once, as it ends, and an abort cancels the rest.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { AbortedError } from '../../../core/index.ts';
import type { BatchResult } from '../../../workers/queue/job-batch.ts';
import type { JobBackend } from '../../../workers/queue/job-backend.ts';
import type { JobRequest, JobResult } from '../../../workers/queue/job-schema.ts';
import { purgeQueue } from '../../../workers/queue/purge-queue.ts';
import { RedisJobClient } from '../../../workers/queue/redis-job-client.ts';
import { startTestJobs } from '../../support/job-backend-fixture.ts';
import { requireDocker, requireRedis } from '../../support/services.ts';
import { startWorkerProcess } from '../../support/worker-process.ts';

const MODES = ['redis', 'embedded', 'http'] as const;
type Mode = (typeof MODES)[number];

interface BatchJobs {
  jobs: JobBackend;
  /** Resolves once nothing is queued or running any more. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Redis: a real worker process with two fork-server containers, on a queue of its own. */
async function startRedisJobs(): Promise<BatchJobs> {
  await requireRedis();
  await requireDocker();
  const queueName = `test-batch-${randomUUID().slice(0, 8)}`;
  const worker = await startWorkerProcess({
    queueName,
    namePrefix: queueName,
    concurrency: 2,
    extraArgs: ['--pool-size', '0', '--fresh-containers', '2'],
  });
  let jobs: RedisJobClient | undefined;
  try {
    jobs = await RedisJobClient.connect({ queueName, livenessIntervalMs: 500, backoffMs: 50 });
  } catch (error) {
    await worker.stop();
    await purgeQueue({ queueName });
    throw error;
  }
  const client = jobs;
  return {
    jobs: client,
    idle: async () => {
      await expect
        .poll(
          async () => {
            const { active, waiting } = await client.queueStatus();
            return { active, waiting };
          },
          { timeout: 60_000, interval: 100 },
        )
        .toEqual({ active: 0, waiting: 0 });
    },
    close: async () => {
      try {
        await client.close();
        await worker.stop();
      } finally {
        await purgeQueue({ queueName });
      }
    },
  };
}

/** Embedded (and HTTP in front of it): the job-backend fixture, two jobs at once. */
async function startFixtureJobs(mode: 'embedded' | 'http'): Promise<BatchJobs> {
  const setup = await startTestJobs({ mode, concurrency: 2 });
  return {
    jobs: setup.jobs,
    idle: async () => {
      await expect
        .poll(
          async () => {
            const { active, waiting } = await setup.jobs.queueStatus();
            return { active, waiting };
          },
          { timeout: 60_000, interval: 100 },
        )
        .toEqual({ active: 0, waiting: 0 });
    },
    close: () => setup.close(),
  };
}

const startJobs = (mode: Mode): Promise<BatchJobs> =>
  mode === 'redis' ? startRedisJobs() : startFixtureJobs(mode);

const stdout = (result: JobResult): string => result.execution?.logs.stdout.join('') ?? '';

async function collect(batch: AsyncIterable<BatchResult>): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  for await (const result of batch) results.push(result);
  return results;
}

const RAISING = 3;
const HANGING = 8;
/**
 * The spinning run's deadline: long enough that the quick runs queued behind it end first even
 * on a loaded machine (at 1.5 s, a clean-clone run once saw the order turn).
 */
const HANG_MS = 10_000;
const BATCH_SIZE = 12;

/** `print(i)` for each index, but one raises and one spins until its HANG_MS deadline. */
function mixedRequests(): JobRequest[] {
  return Array.from({ length: BATCH_SIZE }, (_, index): JobRequest => {
    if (index === RAISING)
      return { kind: 'run-code', fresh: true, code: `raise ValueError("boom ${index}")` };
    if (index === HANGING)
      return { kind: 'run-code', fresh: true, code: 'while True:\n    pass', timeoutMs: HANG_MS };
    return { kind: 'run-code', fresh: true, code: `print(${index})`, timeoutMs: 30_000 };
  });
}

describe.each(MODES)('jobs.submitBatch of fresh runs (%s)', (mode) => {
  let setup: BatchJobs;
  beforeAll(async () => {
    setup = await startJobs(mode);
    // Both fork-server containers up before the timing-sensitive batch below.
    const warm = await collect(
      setup.jobs.submitBatch({
        requests: [0, 1].map((index) => ({
          kind: 'run-code',
          fresh: true,
          code: `print("warm ${index}")`,
        })),
      }),
    );
    expect(warm.map(({ result }) => stdout(result)).sort()).toEqual(['warm 0\n', 'warm 1\n']);
  });
  afterAll(async () => {
    await setup?.close();
  });

  test('every index is yielded once with its own result, as the jobs end: the hanging one last', async () => {
    const results = await collect(
      setup.jobs.submitBatch({ requests: mixedRequests(), timeoutMs: 120_000 }),
    );
    expect(results.map(({ index }) => index).sort((a, b) => a - b)).toEqual(
      Array.from({ length: BATCH_SIZE }, (_, index) => index),
    );
    expect(new Set(results.map(({ jobId }) => jobId)).size).toBe(BATCH_SIZE);
    for (const { index, result } of results) {
      expect(result.status, `index ${index}`).toBe('completed');
      const execution = result.execution;
      if (index === RAISING) {
        expect(execution?.error?.name).toBe('ValueError');
        expect(execution?.error?.value).toContain(`boom ${index}`);
      } else if (index === HANGING) {
        const timedOut =
          execution?.error?.name === 'TimeoutError' || execution?.timedOut !== undefined;
        expect(timedOut, JSON.stringify(execution)).toBe(true);
      } else {
        expect(execution?.error, `index ${index}`).toBeNull();
        expect(stdout(result)).toBe(`${index}\n`);
      }
    }
    // In the order they ended, not the order they were given: the spinning one (HANG_MS)
    // ends after the runs queued behind it.
    expect(results.at(-1)?.index).toBe(HANGING);
    expect(results.map(({ index }) => index)).not.toEqual(
      [...results.map(({ index }) => index)].sort((a, b) => a - b),
    );
    // Each job id names its own job, with the same result.
    const hanging = results.at(-1) as BatchResult;
    const info = await setup.jobs.getJob({ jobId: hanging.jobId });
    expect(info).toMatchObject({ state: 'ended', result: { status: 'completed' } });
  });

  test('an abort mid-batch cancels the jobs still queued or running and throws AbortedError', async () => {
    const { jobs } = setup;
    const sleeping = 'import time\nprint("sleeping", flush=True)\ntime.sleep(600)';
    const requests: JobRequest[] = [
      { kind: 'run-code', fresh: true, code: 'print("quick")' },
      ...Array.from({ length: 5 }, (): JobRequest => ({
        kind: 'run-code',
        fresh: true,
        code: sleeping,
        timeoutMs: 100_000,
      })),
    ];
    // The batch's job ids, from its submissions (it yields only the jobs that end).
    const submit = vi.spyOn(jobs, 'submit');
    const controller = new AbortController();
    const yielded: BatchResult[] = [];
    let jobIds: string[] = [];
    let thrown: unknown;
    try {
      for await (const result of jobs.submitBatch({ requests, signal: controller.signal })) {
        yielded.push(result);
        jobIds = await Promise.all(
          submit.mock.results.map(({ value }) => value as Promise<string>),
        );
        // Mid-batch: a sleeper has started (the others wait for a container) when we abort.
        await expect
          .poll(
            async () => {
              const states = await Promise.all(
                jobIds.slice(1).map(async (jobId) => (await jobs.getJob({ jobId })).state),
              );
              return states.includes('running');
            },
            { timeout: 60_000, interval: 100 },
          )
          .toBe(true);
        controller.abort();
      }
    } catch (error) {
      thrown = error;
    } finally {
      submit.mockRestore();
    }
    expect(thrown).toBeInstanceOf(AbortedError);
    expect((thrown as AbortedError).code).toBe('ABORTED');
    expect(yielded).toHaveLength(1);
    expect(yielded[0]?.index).toBe(0);
    expect(stdout(yielded[0]?.result as JobResult)).toBe('quick\n');
    expect(jobIds).toHaveLength(requests.length);

    // Every sleeper ended cancelled, by the time the generator threw.
    for (const jobId of jobIds.slice(1)) {
      const info = await jobs.getJob({ jobId });
      expect(info.state, jobId).toBe('ended');
      expect(info.result?.status, jobId).toBe('cancelled');
      expect((await jobs.wait({ jobId, timeoutMs: 30_000 })).status).toBe('cancelled');
    }
    // The quick one keeps its own result.
    expect((await jobs.getJob({ jobId: jobIds[0] as string })).result?.status).toBe('completed');
    // Nothing runs on: the sleepers were stopped, not only marked; and the next run works.
    await setup.idle();
    const after = await collect(
      jobs.submitBatch({ requests: [{ kind: 'run-code', fresh: true, code: 'print("after")' }] }),
    );
    expect(after.map(({ result }) => stdout(result))).toEqual(['after\n']);
  });

  test('a run-batch job: one execution per program in order, each on fresh state; a hang and a crash fail alone', async () => {
    const { jobs } = setup;
    const programs = [
      // Leaves a file, a global, an environment variable and a patched module behind.
      'import os, json\nopen("left.txt", "w").write("x")\nos.environ["LEFT"] = "1"\njson.dumps = None\nleft = 1\nprint("first")',
      'import os, json\nassert not os.path.exists("left.txt")\nassert "LEFT" not in os.environ\nassert callable(json.dumps)\nassert "left" not in globals()\nprint("clean")',
      'raise ValueError("boom")',
      'while True:\n    pass',
      'import os\nos._exit(3)',
      'print(sum(range(10)))',
    ];
    const jobId = await jobs.submit({
      request: { kind: 'run-batch', programs, timeoutMs: 3_000 },
    });
    const result = await jobs.wait({ jobId, timeoutMs: 120_000 });
    expect(result.status).toBe('completed');
    const executions = result.executions ?? [];
    expect(executions).toHaveLength(programs.length);
    const out = (index: number) => executions[index]?.logs.stdout.join('');
    expect(out(0)).toBe('first\n');
    expect(executions[0]?.error).toBeNull();
    // The second program may run before or after the first: either way it sees nothing of it.
    expect(executions[1]?.error, JSON.stringify(executions[1])).toBeNull();
    expect(out(1)).toBe('clean\n');
    expect(executions[2]?.error).toMatchObject({ name: 'ValueError', value: 'boom' });
    const hang = executions[3];
    expect(
      hang?.error?.name === 'TimeoutError' || hang?.timedOut !== undefined,
      JSON.stringify(hang),
    ).toBe(true);
    expect(executions[4]?.error?.name).toBe('ProcessExit');
    expect(executions[5]?.error).toBeNull();
    expect(out(5)).toBe('45\n');
  });

  test('a cancelled run-batch job answers each of its programs cancelled and stops them', async () => {
    const { jobs } = setup;
    const sleeping = 'import time\nprint("sleeping", flush=True)\ntime.sleep(600)';
    const jobId = await jobs.submit({
      request: { kind: 'run-batch', programs: [sleeping, sleeping, sleeping], timeoutMs: 100_000 },
    });
    await expect
      .poll(async () => (await jobs.getJob({ jobId })).state, { timeout: 60_000, interval: 100 })
      .toBe('running');
    expect(await jobs.cancel({ jobId })).toBe(true);
    const result = await jobs.wait({ jobId, timeoutMs: 60_000 });
    expect(result.status).toBe('cancelled');
    expect(result.executions?.map((execution) => execution.error?.name)).toEqual([
      'Cancelled',
      'Cancelled',
      'Cancelled',
    ]);
    await setup.idle();
    const after = await jobs.wait({
      jobId: await jobs.submit({ request: { kind: 'run-batch', programs: ['print("after")'] } }),
    });
    expect(after.executions?.[0]?.logs.stdout.join('')).toBe('after\n');
  });
});
