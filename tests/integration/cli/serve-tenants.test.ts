// `lagent serve` with API keys, as an operator sets it up: `lagent api-key` makes a key and
// its tenants-file entry; with keys the service may bind an address others reach; the job
// commands reach it with --url and the key from LAGENT_API_KEY.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { parseJson } from '../../../core/index.ts';
import { EXIT_OK } from '../../../workers/cli/exit-codes.ts';
import { requireDocker } from '../../support/services.ts';
import { call } from '../../support/service-fixture.ts';
import { runLagent } from './cli-process.ts';
import { startServe } from './serve-process.ts';

describe('lagent serve with API keys', () => {
  test('a key from `lagent api-key` opens the service to run-code --url; no key is refused', async () => {
    await requireDocker();
    const made = await runLagent(['api-key', '--tenant', 'ci']);
    expect(made.code).toBe(EXIT_OK);
    const key = /API key \(shown only now\): (\S+)/.exec(made.stdout)?.[1] ?? '';
    expect(key).toMatch(/^lgt_[A-Za-z0-9_-]{43}$/);
    const entry = parseJson(made.stdout.slice(made.stdout.indexOf('{'))) as { keys: string[] };
    // Only the key's hash is written down.
    expect(made.stdout.slice(made.stdout.indexOf('{'))).not.toContain(key);
    const dir = await mkdtemp(join(tmpdir(), 'lagent-keys-'));
    const file = join(dir, 'tenants.json');
    await writeFile(file, JSON.stringify({ tenants: [entry] }));
    const prefix = `serve-keys-${randomUUID().slice(0, 8)}`;
    const env = { ...process.env };
    delete env['REDIS_URL'];
    delete env['LAGENT_API_KEY'];
    // Every interface: allowed now that requests need a key.
    const serve = await startServe(
      [
        '--host',
        '0.0.0.0',
        '--api-keys-file',
        file,
        '--pool-size',
        '1',
        '--sandbox-prefix',
        prefix,
      ],
      env,
    );
    try {
      const url = serve.url.replace('0.0.0.0', '127.0.0.1');
      expect((await call({ url, path: '/v1/tools' })).status).toBe(401);
      const ran = await runLagent(['run-code', '--url', url, 'print(6 * 7)'], {
        env: { ...env, LAGENT_API_KEY: key },
      });
      expect(ran.stderr).toBe('');
      expect(ran.stdout).toBe('42\n');
      expect(ran.code).toBe(EXIT_OK);
      const refused = await runLagent(['run-code', 'print(1)'], {
        env: { ...env, LAGENT_URL: url },
      });
      expect(refused.code).not.toBe(EXIT_OK);
      expect(refused.stderr).toMatch(/API key/);
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
      // Its requests were logged, and the key never was.
      expect(serve.output()).toContain('"url":"/v1/jobs"');
      expect(serve.output()).not.toContain(key);
      expect(serve.output()).not.toContain(key.slice(4, 20));
    } finally {
      serve.child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
