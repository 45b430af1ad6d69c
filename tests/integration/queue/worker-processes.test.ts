// Worker processes (the real `lagent worker` CLI) on real Redis and Docker: sharing a stream
// of jobs, session affinity, a worker killed mid-job, a dead session owner, graceful
// shutdown, and CPU-bound tools on the thread pool.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { executionText } from '../../../core/index.ts';
import type { JobResult } from '../../../workers/queue/job-schema.ts';
import { purgeQueue } from '../../../workers/queue/purge-queue.ts';
import { RedisJobClient } from '../../../workers/queue/redis-job-client.ts';
import { requireDocker, requireRedis } from '../../support/services.ts';
import type { WorkerProcess } from '../../support/worker-process.ts';
import { startWorkerProcess } from '../../support/worker-process.ts';

let queueName: string;
let client: RedisJobClient;
const workers: WorkerProcess[] = [];

beforeEach(async () => {
  await requireRedis();
  await requireDocker();
  queueName = `test-${randomUUID().slice(0, 8)}`;
  client = await RedisJobClient.connect({ queueName, livenessIntervalMs: 500 });
});

afterEach(async () => {
  try {
    await client?.close();
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  } finally {
    await purgeQueue({ queueName });
  }
});

async function startWorker(): Promise<WorkerProcess> {
  const worker = await startWorkerProcess({
    queueName,
    namePrefix: `${queueName}-${workers.length}`,
  });
  workers.push(worker);
  return worker;
}

const run = async (code: string, sessionId?: string): Promise<JobResult> =>
  client.wait({
    jobId: await client.submit({
      request: { kind: 'run-code', code, ...(sessionId === undefined ? {} : { sessionId }) },
    }),
  });

/** Resolves once the job has started, with the id of the worker running it. */
async function startedOn(jobId: string): Promise<string> {
  for await (const event of client.events({ jobId }))
    if (event.type === 'started') return event.workerId;
  throw new Error(`job ${jobId} ended without starting`);
}

test('two worker processes share one stream of jobs', async () => {
  const [first, second] = await Promise.all([startWorker(), startWorker()]);
  const jobIds = await Promise.all(
    Array.from({ length: 24 }, () =>
      client.submit({
        request: { kind: 'tool-call', call: { name: 'Echo', parameters: { text: 'x' } } },
      }),
    ),
  );
  const results = await Promise.all(jobIds.map((jobId) => client.wait({ jobId })));
  expect(results.every((result) => result.status === 'completed')).toBe(true);
  expect(new Set(results.map((result) => result.workerId))).toEqual(
    new Set([first.workerId, second.workerId]),
  );
});

test("a session's calls all run on the worker that owns it", async () => {
  await Promise.all([startWorker(), startWorker()]);
  const results: JobResult[] = [];
  for (let index = 0; index < 6; index += 1)
    results.push(await run('n = globals().get("n", 0) + 1\nn', 'sticky'));
  expect(new Set(results.map((result) => result.workerId)).size).toBe(1);
  expect(results.map((result) => result.execution && executionText(result.execution))).toEqual([
    '1',
    '2',
    '3',
    '4',
    '5',
    '6',
  ]);
});

test('a worker killed with SIGKILL mid-job: that job is reported lost, never re-run, and no job is lost', async () => {
  const [first, second] = await Promise.all([startWorker(), startWorker()]);
  const long = await client.submit({
    request: { kind: 'run-code', code: 'import time\ntime.sleep(20)\nprint("finished")' },
  });
  const victimId = await startedOn(long);
  const victim = victimId === first.workerId ? first : second;
  const survivor = victim === first ? second : first;
  const others = await Promise.all(
    Array.from({ length: 10 }, (_, index) =>
      client.submit({
        request: {
          kind: 'tool-call',
          call: { name: 'Echo', parameters: { text: `job ${index}` } },
        },
      }),
    ),
  );
  victim.child.kill('SIGKILL');
  await victim.exited;
  const lost = await client.wait({ jobId: long });
  expect(lost.status).toBe('worker-lost');
  expect(lost.execution?.error?.name).toBe('WorkerLost');
  expect(lost.execution?.logs.stdout).toEqual([]);
  const results = await Promise.all(others.map((jobId) => client.wait({ jobId })));
  // Every job has its one result; the ones the victim held are reported lost, the rest ran.
  expect(results).toHaveLength(10);
  for (const result of results) {
    if (result.status === 'completed')
      expect([first.workerId, second.workerId]).toContain(result.workerId);
    else expect(result.status).toBe('worker-lost');
  }
  expect(results.filter((result) => result.workerId === survivor.workerId).length).toBeGreaterThan(
    0,
  );
  // BullMQ redelivers the jobs the victim held to the survivor, which sees that they ran
  // before and does not run them again: it reports them lost ("recovered"), or finds the
  // result the submitter already stored ("duplicates"). The one result stays.
  const takenUp = async () => {
    const health = (await (await fetch(survivor.healthUrl)).json()) as {
      recovered: number;
      duplicates: number;
    };
    return health.recovered + health.duplicates;
  };
  await expect.poll(takenUp, { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(1);
  expect((await client.wait({ jobId: long })).status).toBe('worker-lost');
});

test('when the owner of a session dies, the next call of that session hears "session lost", then starts afresh', async () => {
  const [first, second] = await Promise.all([startWorker(), startWorker()]);
  const setup = await run('kept = "state"', 'doomed');
  const owner = setup.workerId === first.workerId ? first : second;
  owner.child.kill('SIGKILL');
  await owner.exited;
  const lost = await run('kept', 'doomed');
  expect(lost.status).toBe('session-lost');
  expect(lost.execution?.error?.name).toBe('SessionLost');
  const fresh = await run('"kept" in globals()', 'doomed');
  expect(fresh.status).toBe('completed');
  expect(fresh.execution && executionText(fresh.execution)).toBe('False');
});

test('SIGTERM: the worker stops taking jobs, finishes the one it runs, and exits cleanly', async () => {
  const worker = await startWorker();
  await run('kept = 1', 'draining');
  const running = await client.submit({
    request: {
      kind: 'run-code',
      code: 'import time\ntime.sleep(2)\nprint("done")',
      sessionId: 'draining',
    },
  });
  await startedOn(running);
  worker.child.kill('SIGTERM');
  const finished = await client.wait({ jobId: running });
  expect(finished.status).toBe('completed');
  expect(finished.execution?.logs.stdout.join('')).toBe('done\n');
  expect(await worker.exited).toEqual({ code: 0, signal: null });
  // Its sessions went with it.
  expect((await run('kept', 'draining')).status).toBe('session-lost');
});

test('a CPU-bound tool runs on the thread pool: the worker answers its health check meanwhile', async () => {
  const worker = await startWorker();
  const jobId = await client.submit({
    request: { kind: 'tool-call', call: { name: 'Fibonacci', parameters: { n: 40 } } },
  });
  await startedOn(jobId);
  let ended = false;
  const result = client.wait({ jobId }).then((value) => {
    ended = true;
    return value;
  });
  const health = await fetch(worker.healthUrl);
  // The event loop answered while the tool was still computing.
  expect(ended).toBe(false);
  expect(health.status).toBe(200);
  expect(((await health.json()) as { active: number }).active).toBe(1);
  expect((await result).actionReturn?.result).toEqual([{ type: 'text', content: '102334155' }]);
});
