// A person's first mistakes (Redis not running, REDIS_URL wrong, no worker started) are one
// clear line within seconds and a non-zero exit, never a hang or a screen of library errors.
import { randomUUID } from 'node:crypto';
import { expect, test } from 'vitest';
import { EXIT_CANNOT_RUN } from '../../../workers/cli/exit-codes.ts';
import { purgeQueue } from '../../../workers/queue/purge-queue.ts';
import { redisUrl, requireRedis } from '../../support/services.ts';
import { expectOneErrorLine, runLagent, unusedPort } from './cli-process.ts';

test('with Redis unreachable, every command says so in one line and exits non-zero', async () => {
  const deadUrl = `redis://127.0.0.1:${await unusedPort()}`;
  const env = { ...process.env, REDIS_URL: deadUrl };
  const commands = [
    ['run-code', 'print(1)'],
    ['submit', '--tool', 'Echo', '--args', '{"text": "hi"}'],
    ['worker', '--tools', 'none'],
    ['status'],
    ['cancel', 'some-job'],
    ['result', 'some-job'],
  ];
  // At once: each waits out its connect timeout (5 s; 10 s for a worker).
  const runs = await Promise.all(commands.map((args) => runLagent(args, { env })));
  runs.forEach((run, index) => {
    const line = expectOneErrorLine(run);
    expect({ command: commands[index]?.[0], code: run.code }).toEqual({
      command: commands[index]?.[0],
      code: EXIT_CANNOT_RUN,
    });
    expect(line).toContain(`Redis at ${deadUrl} did not answer within`);
    expect(line).toContain('is it running, and is REDIS_URL right?');
  });
});

test('with no worker on the queue, run-code says so; submit --no-wait queues but warns', async () => {
  await requireRedis();
  const queueName = `test-${randomUUID().slice(0, 8)}`;
  const env = { ...process.env, REDIS_URL: redisUrl().href };
  try {
    const runCode = await runLagent(['run-code', '--queue', queueName, 'print(1)'], { env });
    expect(runCode.code).toBe(EXIT_CANNOT_RUN);
    expect(expectOneErrorLine(runCode)).toBe(
      `lagent: No worker is serving queue ${queueName}: start one with \`lagent worker --queue ${queueName}\``,
    );
    const submit = await runLagent(['submit', '--queue', queueName, '--tool', 'Echo'], { env });
    expect(submit.code).toBe(EXIT_CANNOT_RUN);
    expect(expectOneErrorLine(submit)).toContain(`No worker is serving queue ${queueName}`);

    const queued = await runLagent(
      ['submit', '--queue', queueName, '--tool', 'Echo', '--no-wait', '--job-id', 'waits'],
      { env },
    );
    expect(queued).toMatchObject({ code: 0, stdout: 'waits\n' });
    expect(expectOneErrorLine(queued)).toMatch(
      /No worker is serving queue .*the job waits for one/,
    );
  } finally {
    await purgeQueue({ queueName });
  }
});
