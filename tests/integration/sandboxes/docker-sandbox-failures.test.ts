// Code that kills its kernel (during a call or between calls), exhausts memory, floods output
// or forks without end: each ends as data naming the cause, and the session works again.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SandboxProvider } from '../../../core/index.ts';
import { ActionStatusCode, executionText } from '../../../core/index.ts';
import type { DockerSandbox, DockerSandboxProvider } from '../../../sandboxes/docker/index.ts';
import { IPythonInteractive } from '../../../tools/index.ts';
import { RUNTIMES, startTestProvider } from '../../support/docker-sandbox-fixture.ts';

/** Kills the kernel from a timer thread shortly after the call that starts it has returned. */
const KILL_KERNEL_WHEN_IDLE =
  'import os, signal, threading\nkept = 1\n' +
  'threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGKILL)).start()';

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
      expect(after.logs.stdout.join('')).toBe('False\n');
    } finally {
      await sandbox.close();
    }
  });

  test('a kernel that dies between calls is reported by the next call, which does not run its code', async () => {
    const sandbox = await provider.create();
    try {
      const armed = await sandbox.runCode({ code: KILL_KERNEL_WHEN_IDLE });
      expect(armed.error).toBeNull();
      await expect
        .poll(() => sandbox.stateLost, { timeout: 30_000, interval: 100 })
        .toBe('the kernel died (killed by SIGKILL)');
      const reported = await sandbox.runCode({ code: 'print("this ran")' });
      expect(reported.error?.name).toBe('KernelDied');
      expect(reported.error?.value).toBe(
        'The kernel died while idle (killed by SIGKILL) after the previous call; its state is lost. This code was not run; a fresh kernel is ready.',
      );
      expect(reported.logs.stdout).toEqual([]);
      expect(sandbox.stateLost).toBeUndefined();
      const after = await sandbox.runCode({ code: 'print("kept" in globals())' });
      expect(after.error).toBeNull();
      expect(after.logs.stdout.join('')).toBe('False\n');
    } finally {
      await sandbox.close();
    }
  });

  test('IPythonInteractive tells the model that the kernel died while idle', async () => {
    const sandboxes: DockerSandbox[] = [];
    const watched: SandboxProvider = {
      create: async (options) => {
        const sandbox = await provider.create(options);
        sandboxes.push(sandbox);
        return sandbox;
      },
      list: () => provider.list(),
      close: () => Promise.resolve(),
    };
    const tool = new IPythonInteractive({ sandboxes: watched });
    try {
      const armed = await tool.run({
        inputs: { command: KILL_KERNEL_WHEN_IDLE },
        sessionId: 'idle',
      });
      expect(armed.state).toBe(ActionStatusCode.SUCCESS);
      await expect
        .poll(() => sandboxes[0]?.stateLost, { timeout: 30_000, interval: 100 })
        .toBeDefined();
      const reported = await tool.run({
        inputs: { command: 'print("this ran")' },
        sessionId: 'idle',
      });
      expect(reported.state).toBe(ActionStatusCode.API_ERROR);
      expect(reported.errmsg).toMatch(
        /^KernelDied: The kernel died while idle \(killed by SIGKILL\)/,
      );
      expect(reported.errmsg).toContain('This code was not run');
      expect(reported.errmsg).not.toContain('this ran');
      const after = await tool.run({
        inputs: { command: '"kept" in globals()' },
        sessionId: 'idle',
      });
      expect(after.result?.[0]?.content).toBe('False');
    } finally {
      await tool.dispose();
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
