// `lagent serve` as a person starts it: a child process, real HTTP on 127.0.0.1, real Docker
// sandboxes; embedded (no Redis), and through Redis with a worker in the same process.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { purgeQueue } from '../../../workers/queue/purge-queue.ts';
import { EXIT_CANNOT_RUN } from '../../../workers/cli/exit-codes.ts';
import { requireDocker, requireRedis } from '../../support/services.ts';
import { call } from '../../support/service-fixture.ts';
import { root, runLagent } from './cli-process.ts';
import { startServe } from './serve-process.ts';

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
    // The Python client's heredoc, from `PYTHONPATH=... python3 - <<'EOF'` to its `EOF`; the
    // comment line after it is the output the README promises.
    const pythonStart = lines.findIndex((line) => line.startsWith('PYTHONPATH=clients/python'));
    const pythonEnd = lines.indexOf('EOF', pythonStart);
    expect(pythonStart).toBeGreaterThan(-1);
    expect(pythonEnd).toBeGreaterThan(pythonStart);
    const pythonSnippet = lines.slice(pythonStart, pythonEnd + 1).join('\n');
    const pythonOutput = (lines[pythonEnd + 1] ?? '').replace(/^# /, '');
    expect(pythonOutput).toBe("['42\\n']");
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
      // The Python snippet, run from the repository root as the reader runs it.
      const python = await promisify(execFile)(
        'bash',
        ['-c', pythonSnippet.replaceAll('localhost:8080', address)],
        { cwd: root, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' }, timeout: 90_000 },
      );
      expect(python.stdout.trim()).toBe(pythonOutput);
    } finally {
      serve.child.kill('SIGKILL');
      await serve.exited;
      await purgeQueue({ queueName: queue });
    }
  });
});
