// Deadlines are enforced from outside the container, in three steps: interrupt the kernel;
// restart it when the code ignores SIGINT; kill and replace the container when even that
// hangs. Each says which in the result, and the next call works.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AbortedError, executionText } from '../../../core/index.ts';
import type { DockerSandboxProvider } from '../../../sandboxes/docker/index.ts';
import { RUNTIMES, startTestProvider } from '../../support/docker-sandbox-fixture.ts';

describe.each(RUNTIMES)('Docker sandbox deadlines (%s)', (runtime) => {
  let provider: DockerSandboxProvider;
  beforeAll(async () => {
    provider = await startTestProvider({
      runtime,
      poolSize: 1,
      interruptGraceMs: 1_500,
      restartGraceMs: 10_000,
    });
  });
  afterAll(async () => {
    await provider?.close();
  });

  test('a sleeping cell is interrupted at the deadline and the state is kept', async () => {
    const sandbox = await provider.create();
    try {
      await sandbox.runCode({ code: 'kept = "yes"' });
      const execution = await sandbox.runCode({
        code: 'import time\ntime.sleep(60)',
        timeoutMs: 1_000,
      });
      expect(execution.timedOut).toBe('interrupted');
      expect(execution.error?.name).toBe('TimeoutError');
      expect(execution.error?.value).toContain('exceeded 1000 ms');
      expect(execution.error?.traceback).toContain('KeyboardInterrupt');
      expect(executionText(await sandbox.runCode({ code: 'kept' }))).toBe("'yes'");
    } finally {
      await sandbox.close();
    }
  });

  test('a C-level loop that ignores SIGINT makes the kernel restart, losing state', async () => {
    const sandbox = await provider.create();
    try {
      await sandbox.runCode({ code: 'kept = "yes"' });
      const execution = await sandbox.runCode({ code: 'sum(range(10**12))', timeoutMs: 1_000 });
      expect(execution.timedOut).toBe('restarted');
      expect(execution.error?.value).toContain('kernel was restarted');
      const after = await sandbox.runCode({ code: 'print("kept" in globals())' });
      expect(after.logs.stdout.join('')).toBe('False\n');
    } finally {
      await sandbox.close();
    }
  });

  test('a driver that stops answering makes the host replace the container', async () => {
    const sandbox = await provider.create();
    try {
      const before = sandbox.containerName;
      const execution = await sandbox.runCode({
        code: 'import os, signal, time\nos.kill(os.getppid(), signal.SIGSTOP)\ntime.sleep(60)',
        timeoutMs: 1_000,
      });
      expect(execution.timedOut).toBe('killed');
      expect(execution.error?.value).toContain('container was replaced');
      expect(sandbox.containerName).not.toBe(before);
      expect(executionText(await sandbox.runCode({ code: '6 * 7' }))).toBe('42');
    } finally {
      await sandbox.close();
    }
  });

  test('aborting interrupts the kernel and rejects with AbortedError', async () => {
    const sandbox = await provider.create();
    try {
      await sandbox.runCode({ code: 'kept = 1' });
      const controller = new AbortController();
      // Aborted once the code is running (its first output), not after a guessed delay.
      const running = sandbox.runCode({
        code: 'import time\nprint("started", flush=True)\nfor _ in range(600):\n    time.sleep(0.1)',
        signal: controller.signal,
        onStdout: () => controller.abort(),
      });
      await expect(running).rejects.toBeInstanceOf(AbortedError);
      expect(executionText(await sandbox.runCode({ code: 'kept' }))).toBe('1');
    } finally {
      await sandbox.close();
    }
  });

  test('an abort that lands as the call starts stops its code once it begins: the state is kept', async () => {
    const sandbox = await provider.create();
    try {
      await sandbox.runCode({ code: 'kept = 1' });
      // Aborts at several points of the call's start: before the request is sent, after it
      // is sent and before the kernel begins it (it ignores SIGINT until then), and after.
      for (const delayMs of [0, 1, 2, 5, 10, 20, 50]) {
        const controller = new AbortController();
        const running = sandbox.runCode({
          code: 'import time\ntime.sleep(60)',
          signal: controller.signal,
        });
        setTimeout(() => controller.abort(), delayMs);
        await expect(running).rejects.toBeInstanceOf(AbortedError);
        const after = await sandbox.runCode({ code: 'kept' });
        expect(after.stateLost, `aborted after ${delayMs} ms`).toBeFalsy();
        expect(executionText(after), `aborted after ${delayMs} ms`).toBe('1');
      }
    } finally {
      await sandbox.close();
    }
  });

  test('an abort whose stop costs the state is reported by the next call, which does not run', async () => {
    const sandbox = await provider.create();
    try {
      await sandbox.runCode({ code: 'kept = 1' });
      const controller = new AbortController();
      // Code that ignores the interrupt: the kernel is restarted to stop it.
      const running = sandbox.runCode({
        code: 'import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nprint("go", flush=True)\ntime.sleep(600)',
        signal: controller.signal,
        onStdout: () => controller.abort(),
      });
      await expect(running).rejects.toBeInstanceOf(AbortedError);
      const next = await sandbox.runCode({ code: 'print("ran")' });
      expect(next.stateLost).toBe(true);
      expect(next.error?.name).toBe('StateLost');
      expect(next.error?.value).toContain(
        'previous call was cancelled and its kernel was restarted',
      );
      expect(next.logs.stdout).toEqual([]);
      // Said once: the call after it runs, on the fresh kernel.
      const after = await sandbox.runCode({ code: 'print("kept" in globals())' });
      expect(after.stateLost).toBeFalsy();
      expect(after.logs.stdout.join('')).toBe('False\n');
    } finally {
      await sandbox.close();
    }
  });

  test('restart() gives a fresh kernel', async () => {
    const sandbox = await provider.create();
    try {
      await sandbox.runCode({ code: 'kept = 1' });
      await sandbox.restart();
      const after = await sandbox.runCode({ code: 'print("kept" in globals())' });
      expect(after.logs.stdout.join('')).toBe('False\n');
    } finally {
      await sandbox.close();
    }
  });
});
