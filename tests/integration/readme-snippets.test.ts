// The README's quickstart must work when pasted: run each TypeScript block as a file at the
// repository root, as the README tells the reader to.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { purgeQueue } from '../../workers/queue/purge-queue.ts';
import { redisUrl, requireDocker, requireRedis } from '../support/services.ts';
import { startWorkerProcess } from '../support/worker-process.ts';

const root = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

async function readmeBlocks(): Promise<string[]> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

async function runSnippet(code: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const file = join(root, `.readme-snippet-${randomUUID()}.ts`);
  await writeFile(file, code);
  try {
    const { stdout } = await run(process.execPath, [file], { cwd: root, timeout: 60_000, env });
    return stdout;
  } finally {
    await rm(file, { force: true });
  }
}

test('the quickstart agent prints its reply and its memory', async () => {
  const [quickstart] = await readmeBlocks();
  const stdout = await runSnippet(quickstart ?? '');
  expect(stdout).toContain('急');
  expect(stdout).toContain("[ 'user', 'Agent' ]");
});

test('the sandbox snippet runs code with state, and has no network', async () => {
  const [, sandbox] = await readmeBlocks();
  const stdout = await runSnippet(sandbox ?? '');
  expect(stdout).toContain("[ '45\\n' ] 4.5");
  expect(stdout).toContain('OSError');
});

test('the tool-call snippet prints the ActionReturn', async () => {
  const [, , , toolCall] = await readmeBlocks();
  const stdout = await runSnippet(toolCall ?? '');
  expect(stdout).toContain(`'{"city": "Paris", "sky": "clear"}'`);
  expect(stdout).toContain("type: 'Weather'");
});

describe('the job snippet streams the output, then prints the result', () => {
  const expectJobOutput = (stdout: string) => {
    expect(stdout).toContain('live: 42');
    expect(stdout).toContain("completed [ '42\\n' ]");
  };

  test('without REDIS_URL: the jobs run in the same process', async () => {
    await requireDocker();
    const [, , jobs] = await readmeBlocks();
    const { REDIS_URL: _ignored, ...env } = process.env;
    expectJobOutput(await runSnippet(jobs ?? '', env));
  });

  test('with REDIS_URL: the jobs go to a worker process', async () => {
    await requireRedis();
    await requireDocker();
    const [, , jobs] = await readmeBlocks();
    const queueName = `test-${randomUUID().slice(0, 8)}`;
    const worker = await startWorkerProcess({ queueName, namePrefix: queueName });
    try {
      const env = { ...process.env, REDIS_URL: redisUrl().href, LAGENT_QUEUE: queueName };
      expectJobOutput(await runSnippet(jobs ?? '', env));
    } finally {
      await worker.stop();
      await purgeQueue({ queueName });
    }
  });
});
