// `lagent serve` as a person starts it: a child process, real HTTP on 127.0.0.1, real Docker
// sandboxes; embedded (no Redis), and through Redis with a worker in the same process.
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { safeParseJson } from '../../../core/index.ts';
import { purgeQueue } from '../../../workers/queue/purge-queue.ts';
import { EXIT_CANNOT_RUN } from '../../../workers/cli/exit-codes.ts';
import { requireDocker, requireRedis } from '../../support/services.ts';
import { call } from '../../support/service-fixture.ts';
import { cliMain, root, runLagent } from './cli-process.ts';

/** Starts `lagent serve`; resolves with its URL once it logs that it serves. */
async function startServe(args: readonly string[], env: NodeJS.ProcessEnv) {
  const child = spawn(
    process.execPath,
    [cliMain, 'serve', '--port', '0', '--log-format', 'json', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    },
  );
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (let index = buffered.indexOf('\n'); index !== -1; index = buffered.indexOf('\n')) {
        const parsed = safeParseJson(buffered.slice(0, index));
        buffered = buffered.slice(index + 1);
        const record = parsed.success ? (parsed.value as Record<string, unknown>) : {};
        if (typeof record['url'] === 'string' && String(record['msg']).startsWith('serving on')) {
          resolve(record['url']);
        }
      }
    });
    void exited.then((code) => reject(new Error(`lagent serve exited (${code}): ${stderr}`)));
  });
  return { child, url, exited };
}

describe('lagent serve', () => {
  test('without Redis it runs jobs itself, and stops on SIGTERM', async () => {
    await requireDocker();
    const prefix = `serve-${randomUUID().slice(0, 8)}`;
    const env = { ...process.env };
    delete env['REDIS_URL'];
    const serve = await startServe(['--pool-size', '1', '--sandbox-prefix', prefix], env);
    try {
      const ran = await call({
        url: serve.url,
        method: 'POST',
        path: '/v1/run-code',
        body: { code: '6 * 7' },
      });
      expect(ran.body).toMatchObject({
        status: 'completed',
        execution: { results: [{ text: '42' }] },
      });
      expect(await call({ url: serve.url, path: '/readyz' })).toMatchObject({
        status: 200,
        body: { backend: 'embedded' },
      });
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
    } finally {
      serve.child.kill('SIGKILL');
    }
  });

  test('with Redis and --with-worker, one command is a whole service', async () => {
    await requireDocker();
    await requireRedis();
    const queue = `serve-${randomUUID().slice(0, 8)}`;
    const serve = await startServe(
      ['--with-worker', '--queue', queue, '--pool-size', '1', '--sandbox-prefix', queue],
      process.env,
    );
    try {
      const ran = await call({
        url: serve.url,
        method: 'POST',
        path: '/v1/run-code',
        body: { code: 'sum(range(10))' },
      });
      expect(ran.body).toMatchObject({
        status: 'completed',
        execution: { results: [{ text: '45' }] },
      });
      expect(await call({ url: serve.url, path: '/readyz' })).toMatchObject({
        status: 200,
        body: { status: 'ready', backend: 'redis', workers: 1 },
      });
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
    } finally {
      serve.child.kill('SIGKILL');
      await purgeQueue({ queueName: queue });
    }
  });

  test('without API keys it refuses to bind an address others reach', async () => {
    const run = await runLagent(['serve', '--host', '0.0.0.0', '--port', '0']);
    expect(run.code).toBe(EXIT_CANNOT_RUN);
    expect(run.stderr).toContain('without API keys');
  });

  test("the README's service snippet works as written", async () => {
    await requireDocker();
    await requireRedis();
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
      .map((match) => match[1] ?? '')
      .find((text) => text.includes('lagent serve'));
    const lines = (block ?? '').split('\n');
    const serveLine = lines.find((line) => line.startsWith('npx lagent serve')) ?? '';
    const curlLine = lines.find((line) => line.startsWith('curl ')) ?? '';
    const serveArgs = serveLine.replace(/#.*/, '').replace('&', '').trim().split(/\s+/).slice(3);
    expect(serveArgs).toContain('--with-worker');
    // As the reader has it after `source scripts/setup.sh` (REDIS_URL set), on a queue and
    // port of its own.
    const queue = `readme-${randomUUID().slice(0, 8)}`;
    const serve = await startServe(
      [...serveArgs, '--queue', queue, '--pool-size', '1', '--sandbox-prefix', queue],
      process.env,
    );
    try {
      const address = new URL(serve.url).host;
      const { stdout } = await promisify(execFile)('bash', [
        '-c',
        curlLine.replaceAll('localhost:8080', address),
      ]);
      expect(stdout).toContain('"status":"completed"');
      expect(stdout).toContain('"text":"42"');
    } finally {
      serve.child.kill('SIGKILL');
      await serve.exited;
      await purgeQueue({ queueName: queue });
    }
  });
});
