// Code that kills its kernel, exhausts memory, floods output or forks without end: each
// ends as data naming the cause, and the session works again on the next call.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { executionText } from '../../../core/index.ts';
import type { DockerSandboxProvider } from '../../../sandboxes/docker/index.ts';
import { RUNTIMES, startTestProvider } from '../../support/docker-sandbox-fixture.ts';

describe.each(RUNTIMES)('Docker sandbox failures (%s)', (runtime) => {
  let provider: DockerSandboxProvider;
  beforeAll(async () => {
    provider = await startTestProvider({
      runtime,
      poolSize: 1,
      memoryMb: 256,
      pidsLimit: 64,
      maxOutputBytes: 100_000,
      restartGraceMs: 10_000,
    });
  });
  afterAll(async () => {
    await provider?.close();
  });

  test('os._exit: the kernel died with its exit code, and a fresh kernel serves the next call', async () => {
    const sandbox = await provider.create();
    try {
      await sandbox.runCode({ code: 'kept = 1' });
      const execution = await sandbox.runCode({ code: 'import os\nos._exit(3)' });
      expect(execution.error).toMatchObject({ name: 'KernelDied' });
      expect(execution.error?.value).toContain('exit code 3');
      const after = await sandbox.runCode({ code: 'print("kept" in globals())' });
      expect(after.logs.stdout).toEqual(['False\n']);
    } finally {
      await sandbox.close();
    }
  });

  test('a segfault names the signal', async () => {
    const sandbox = await provider.create();
    try {
      const execution = await sandbox.runCode({ code: 'import ctypes\nctypes.string_at(0)' });
      expect(execution.error?.name).toBe('KernelDied');
      expect(execution.error?.value).toContain('SIGSEGV');
      expect(executionText(await sandbox.runCode({ code: '1 + 1' }))).toBe('2');
    } finally {
      await sandbox.close();
    }
  });

  test('running out of memory is reported as such', async () => {
    const sandbox = await provider.create();
    try {
      const execution = await sandbox.runCode({
        code: 'blocks = [bytearray(64 * 2**20) for _ in range(64)]',
      });
      expect(execution.error?.name).toBe('OutOfMemoryError');
      expect(execution.error?.value).toContain('256 MB');
      expect(executionText(await sandbox.runCode({ code: '"back"' }))).toBe("'back'");
    } finally {
      await sandbox.close();
    }
  });

  test('an output flood is cut at the cap with a visible notice', async () => {
    const sandbox = await provider.create();
    try {
      const execution = await sandbox.runCode({
        code: 'for i in range(50_000):\n    print("line", i, "x" * 50)',
        timeoutMs: 60_000,
      });
      expect(execution.truncated).toBe(true);
      const stdout = execution.logs.stdout.join('');
      expect(Buffer.byteLength(stdout)).toBeLessThanOrEqual(100_000);
      expect(stdout.startsWith('line 0 ')).toBe(true);
      expect(execution.logs.stderr.at(-1)).toMatch(
        /^\[output truncated: more than 100000 bytes; \d+ bytes were dropped\]/,
      );
      expect(executionText(await sandbox.runCode({ code: '"quiet"' }))).toBe("'quiet'");
    } finally {
      await sandbox.close();
    }
  });

  test('a fork bomb hits the process limit, and the session still works', async () => {
    // Enough memory that the process limit, not memory, stops the bomb (gVisor copies a
    // forked kernel's pages, so at 256 MB it would run out of memory first).
    const bombProvider = await startTestProvider({ runtime, pidsLimit: 24, memoryMb: 1024 });
    const sandbox = await bombProvider.create();
    try {
      const execution = await sandbox.runCode({
        code: 'import os, time\nwhile True:\n    if os.fork() == 0:\n        time.sleep(600)',
        timeoutMs: 20_000,
      });
      expect(execution.error?.name).toBe('BlockingIOError');
      expect(execution.error?.value).toContain('Resource temporarily unavailable');
      expect(executionText(await sandbox.runCode({ code: '"still here"' }))).toBe("'still here'");
      await sandbox.restart();
      expect(executionText(await sandbox.runCode({ code: '"restarted"' }))).toBe("'restarted'");
    } finally {
      await sandbox.close();
      await bombProvider.close();
    }
  });
});
