// Controlling jobs from the command line against a real `lagent worker` process: Ctrl-C and
// SIGTERM cancel what run-code started, and status, result and cancel act on the queue.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parseJson } from '../../../core/index.ts';
import {
  EXIT_CANNOT_RUN,
  EXIT_JOB_FAILED,
  EXIT_ON_SIGNAL,
} from '../../../workers/cli/exit-codes.ts';
import { purgeQueue } from '../../../workers/queue/purge-queue.ts';
import { RedisJobClient } from '../../../workers/queue/redis-job-client.ts';
import { redisUrl, requireDocker, requireRedis } from '../../support/services.ts';
import type { WorkerProcess } from '../../support/worker-process.ts';
import { startWorkerProcess } from '../../support/worker-process.ts';
import { expectOneErrorLine, runLagent, spawnLagent } from './cli-process.ts';

const queueName = `test-${randomUUID().slice(0, 8)}`;
let worker: WorkerProcess;
let client: RedisJobClient;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  await requireRedis();
  await requireDocker();
  env = { ...process.env, REDIS_URL: redisUrl().href };
  worker = await startWorkerProcess({ queueName, namePrefix: queueName });
  client = await RedisJobClient.connect({ queueName });
});

afterAll(async () => {
  await client?.close();
  await worker?.stop();
  await purgeQueue({ queueName });
});

const lagent = (args: string[]) => runLagent([...args, '--queue', queueName], { env });
const longCode = 'import time\nprint("started", flush=True)\ntime.sleep(600)';

/** Resolves once the job has printed its first line: it is running. */
async function untilRunning(jobId: string): Promise<void> {
  for await (const event of client.events({ jobId })) if (event.type === 'stdout') return;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} on run-code cancels the job; the session's next call works, with its state`, async () => {
    const session = `interrupt-${signal}`;
    expect((await lagent(['run-code', '--session', session, 'x = 5'])).code).toBe(0);
    const jobId = `interrupted-${randomUUID()}`;
    const run = spawnLagent(
      ['run-code', '--queue', queueName, '--session', session, '--job-id', jobId, longCode],
      { env },
    );
    await run.waitForOutput(/started/);
    run.child.kill(signal);
    const ended = await run.exited;

    expect(ended.code).toBe(EXIT_ON_SIGNAL[signal]);
    expect(ended.stderr).toBe(`lagent: cancelled job ${jobId} (${signal})\n`);
    const info = await client.getJob({ jobId });
    expect(info).toMatchObject({ state: 'ended', result: { status: 'cancelled' } });
    // The kernel was interrupted, not replaced: the session still has x.
    const next = await lagent(['run-code', '--session', session, 'print(x)']);
    expect(next).toMatchObject({ code: 0, stdout: '5\n' });
  });
}

test('status lists the worker, as a table and as JSON', async () => {
  const table = await lagent(['status']);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(new RegExp(`^queue ${queueName}: 1 worker, \\d+ waiting`));
  expect(table.stdout).toMatch(/WORKER\s+HOST\s+UPTIME\s+ACTIVE\s+SESSIONS\s+STATUS/);
  expect(table.stdout).toMatch(new RegExp(`${worker.workerId}\\s+\\S+\\s+\\S+.*\\bok\\b`));

  const json = await lagent(['status', '--json']);
  const status = parseJson(json.stdout) as { queue: string; workers: { workerId: string }[] };
  expect(status.queue).toBe(queueName);
  expect(status.workers.map(({ workerId }) => workerId)).toEqual([worker.workerId]);
});

test('submit --no-wait, then result prints the result', async () => {
  const queued = await lagent([
    'submit',
    '--tool',
    'Echo',
    '--args',
    '{"text": "later"}',
    '--no-wait',
  ]);
  expect(queued.code).toBe(0);
  const jobId = queued.stdout.trim();
  const result = await lagent(['result', jobId]);
  expect(result).toMatchObject({ code: 0, stdout: 'later\n' });
  // Once it has ended, --no-wait prints the result too.
  expect(await lagent(['result', '--no-wait', jobId])).toMatchObject({
    code: 0,
    stdout: 'later\n',
  });
  const unknown = await lagent(['result', 'no-such-job']);
  expect(unknown.code).toBe(EXIT_CANNOT_RUN);
  expect(expectOneErrorLine(unknown)).toContain('No job no-such-job is known');
});

test('result follows a running job without cancelling it; cancel stops it', async () => {
  const args = JSON.stringify({ command: longCode });
  const jobId = `long-${randomUUID()}`;
  const queued = await lagent([
    'submit',
    '--tool',
    'IPythonInteractive',
    '--args',
    args,
    '--no-wait',
    '--job-id',
    jobId,
  ]);
  expect(queued.stdout).toBe(`${jobId}\n`);
  await untilRunning(jobId);

  const now = await lagent(['result', '--no-wait', jobId]);
  expect(now).toMatchObject({
    code: 0,
    stdout: `job ${jobId} is running on worker ${worker.workerId}\n`,
  });

  // Following shows the live output; Ctrl-C stops following, not the job.
  const follow = spawnLagent(['result', '--queue', queueName, jobId], { env });
  await follow.waitForOutput(/started/);
  follow.child.kill('SIGINT');
  const stopped = await follow.exited;
  expect(stopped.code).toBe(EXIT_ON_SIGNAL.SIGINT);
  expect(stopped.stderr).toContain(`stopped following job ${jobId} (SIGINT); it goes on`);
  expect((await client.getJob({ jobId })).state).toBe('running');

  // A follower sees the end another command causes.
  const follower = spawnLagent(['result', '--queue', queueName, jobId], { env });
  await follower.waitForOutput(/started/);
  const cancelled = await lagent(['cancel', jobId]);
  expect(cancelled).toMatchObject({
    code: 0,
    stdout: `cancelled job ${jobId} (it was running on worker ${worker.workerId})\n`,
  });
  const followed = await follower.exited;
  expect(followed.code).toBe(EXIT_JOB_FAILED);
  expect(followed.stderr).toContain('The call was cancelled.');
  expect(await client.getJob({ jobId })).toMatchObject({ result: { status: 'cancelled' } });

  const again = await lagent(['cancel', jobId]);
  expect(again).toMatchObject({
    code: EXIT_JOB_FAILED,
    stdout: `job ${jobId} had already ended (cancelled): nothing to cancel\n`,
  });
});
