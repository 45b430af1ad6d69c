// `lagent run-code` and `lagent submit`, as a service or a person would run them: embedded
// without Redis, and through Redis to a `lagent worker` process.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { requireDocker, requireRedis } from '../../support/services.ts';
import { purgeQueue } from '../../../workers/queue/purge-queue.ts';
import { startWorkerProcess } from '../../support/worker-process.ts';

const cli = join(import.meta.dirname, '..', '..', '..', 'workers', 'cli', 'main.ts');
const run = promisify(execFile);

async function lagent(args: string[], env: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      env,
      timeout: 120_000,
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

test('run-code without Redis runs here, streams the output, and fails on an error', async () => {
  await requireDocker();
  const { REDIS_URL: _ignored, ...env } = process.env;
  const ok = await lagent(['run-code', 'print("hello")\n6 * 7'], env);
  expect(ok).toMatchObject({ code: 0, stdout: 'hello\n42\n' });
  const failing = await lagent(['run-code', '1/0'], env);
  // Exit 1: the job ran and the code failed; its traceback is on stderr.
  expect(failing.code).toBe(1);
  expect(failing.stderr).toContain('ZeroDivisionError: division by zero');
});

test('submit and run-code through Redis reach a worker process; sessions keep state', async () => {
  await requireRedis();
  await requireDocker();
  const queueName = `test-${randomUUID().slice(0, 8)}`;
  const worker = await startWorkerProcess({ queueName, namePrefix: queueName });
  try {
    const env = { ...process.env, REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379' };
    const echo = await lagent(
      ['submit', '--queue', queueName, '--tool', 'Echo', '--args', '{"text": "hi"}'],
      env,
    );
    expect(echo).toMatchObject({ code: 0, stdout: 'hi\n' });
    await lagent(['run-code', '--queue', queueName, '--session', 's', 'x = 5'], env);
    const state = await lagent(['run-code', '--queue', queueName, '--session', 's', 'x * 2'], env);
    expect(state.stdout).toBe('10\n');
    const queued = await lagent(
      [
        'submit',
        '--queue',
        queueName,
        '--tool',
        'Echo',
        '--args',
        '{"text": "later"}',
        '--no-wait',
        '--job-id',
        'fixed-id',
      ],
      env,
    );
    expect(queued.stdout).toBe('fixed-id\n');
  } finally {
    await worker.stop();
    await purgeQueue({ queueName });
  }
});
