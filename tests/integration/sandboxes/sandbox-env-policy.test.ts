// Both sandboxes refuse loader and interpreter start-up variables (and bad names) from
// runCode's `envs` and from setEnvs, with InvalidArgumentError, before anything reaches the
// session, which goes on serving.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Sandbox } from '../../../core/index.ts';
import { executionText, InvalidArgumentError } from '../../../core/index.ts';
import type { DockerSandboxProvider } from '../../../sandboxes/docker/index.ts';
import { JsSandboxProvider } from '../../../sandboxes/index.ts';
import { RUNTIMES, startTestProvider } from '../../support/docker-sandbox-fixture.ts';

async function expectRefusals(sandbox: Sandbox): Promise<void> {
  await expect(
    sandbox.runCode({ code: '1', envs: { LD_PRELOAD: '/tmp/evil.so' } }),
  ).rejects.toBeInstanceOf(InvalidArgumentError);
  await expect(sandbox.setEnvs({ envs: { PYTHONSTARTUP: '/tmp/x.py' } })).rejects.toThrow(
    /PYTHONSTARTUP may not be set/,
  );
  await expect(sandbox.setEnvs({ envs: { 'NOT-A-NAME': 'x' } })).rejects.toThrow(
    /not a valid variable name/,
  );
  await expect(sandbox.setEnvs({ envs: { A: 'nul\0inside' } })).rejects.toThrow(/NUL/);
}

describe.each(RUNTIMES)('Docker sandbox env policy (%s)', (runtime) => {
  let provider: DockerSandboxProvider;
  beforeAll(async () => {
    provider = await startTestProvider({ runtime, poolSize: 1 });
  });
  afterAll(async () => {
    await provider?.close();
  });

  test('refused variables never reach the kernel; allowed ones still do', async () => {
    const sandbox = await provider.create();
    try {
      await expectRefusals(sandbox);
      const seen = await sandbox.runCode({
        code: 'import os\n(os.environ.get("LD_PRELOAD"), os.environ.get("TOKEN"))',
        envs: { TOKEN: 'kept' },
      });
      expect(executionText(seen)).toBe("(None, 'kept')");
    } finally {
      await sandbox.close();
    }
  });
});

describe('JavaScript sandbox env policy', () => {
  let provider: JsSandboxProvider;
  beforeAll(async () => {
    provider = await JsSandboxProvider.start({ threads: 1 });
  });
  afterAll(async () => {
    await provider?.close();
  });

  test('refused variables are not set; allowed ones are', async () => {
    const sandbox = await provider.create();
    try {
      await expectRefusals(sandbox);
      await sandbox.setEnvs({ envs: { MODE: 'test' } });
      const seen = await sandbox.runCode({ code: 'String(env.LD_PRELOAD) + env.MODE' });
      expect(executionText(seen)).toBe('"undefinedtest"');
    } finally {
      await sandbox.close();
    }
  });
});
