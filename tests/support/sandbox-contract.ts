// The Sandbox contract (docs/sandboxes.md, "The Sandbox contract") as one vitest suite that
// every backend runs: the Docker sandbox under runc and gVisor, the JavaScript sandbox and
// the in-memory fake. Each test opens its own session and names the rule it checks.
import { describe, expect, test } from 'vitest';
import type { Execution, Sandbox } from '../../core/index.ts';
import {
  AbortedError,
  ExecutionSchema,
  InvalidArgumentError,
  SandboxClosedError,
} from '../../core/index.ts';
import { describeSandboxFileContract } from './sandbox-contract-files.ts';
import type { SandboxContractOptions } from './sandbox-contract-options.ts';
import {
  CONTRACT_LONG_TIMEOUT_MS,
  CONTRACT_SHORT_TIMEOUT_MS,
  DEFAULT_CONTRACT_TEST_TIMEOUT_MS,
  rejectionOf,
  startSpinning,
  stdoutOf,
} from './sandbox-contract-options.ts';

/** An Execution in the shape the queue and tools rely on (it survives ExecutionSchema). */
export function expectExecutionShape(execution: Execution): void {
  expect(ExecutionSchema.safeParse(execution).error).toBeUndefined();
}

export function describeSandboxContract(options: SandboxContractOptions): void {
  const { name, create, language: lang, maxOutputBytes, streamsOutput } = options;
  const timeout = options.testTimeoutMs ?? DEFAULT_CONTRACT_TEST_TIMEOUT_MS;

  /** Runs `body` on a new session and closes it, whatever happens. */
  async function withSandbox(body: (sandbox: Sandbox) => Promise<void>): Promise<void> {
    const sandbox = await create();
    try {
      await body(sandbox);
    } finally {
      await sandbox.close();
    }
  }

  async function setKept(sandbox: Sandbox): Promise<void> {
    const set = await sandbox.runCode({ code: lang.setVar({ name: 'kept', value: 'yes' }) });
    expect(set.error).toBeNull();
  }

  /** The session still has `kept`, or (when `lost`) no longer has it; either way it answers. */
  async function expectKept(sandbox: Sandbox, { lost = false }: { lost?: boolean } = {}) {
    const read = await sandbox.runCode({ code: lang.printVar('kept') });
    expectExecutionShape(read);
    // A loss is reported once, by the call that lost the state: never again here.
    expect(read.stateLost ?? false).toBe(false);
    if (lost) expect(read.error).not.toBeNull();
    else {
      expect(read.error).toBeNull();
      expect(stdoutOf(read)).toBe('yes\n');
    }
  }

  describe(`Sandbox contract: ${name}`, () => {
    test(
      'state persists between the calls of one session, and never crosses sessions',
      { timeout },
      async () => {
        await withSandbox(async (sandbox) => {
          await setKept(sandbox);
          await expectKept(sandbox);
          await withSandbox(async (other) => {
            const read = await other.runCode({ code: lang.printVar('kept') });
            expect(read.error).not.toBeNull();
          });
        });
      },
    );

    test(
      'a failure of the code is data (error {name, value, traceback}), not thrown; the session goes on',
      { timeout },
      async () => {
        await withSandbox(async (sandbox) => {
          await setKept(sandbox);
          const failed = await sandbox.runCode({ code: lang.raise('contract failure') });
          expectExecutionShape(failed);
          expect(failed.error?.name).toBe(lang.raisedName);
          expect(failed.error?.value).toContain('contract failure');
          expect(typeof failed.error?.traceback).toBe('string');
          expect(failed.timedOut).toBeUndefined();
          expect(failed.stateLost ?? false).toBe(false);
          await expectKept(sandbox);
        });
      },
    );

    test('output reaches the callbacks in order, before runCode settles', { timeout }, async () => {
      await withSandbox(async (sandbox) => {
        let settled = false;
        const lines: string[] = [];
        const errors: string[] = [];
        const call = sandbox.runCode({
          code: [lang.print('one'), lang.print('two'), lang.raise('after output')].join('\n'),
          onStdout: (output) => void lines.push(settled ? 'late' : output.line),
          onError: (error) => void errors.push(settled ? 'late' : error.name),
        });
        const execution = await call.finally(() => (settled = true));
        expect(lines.join('')).toBe('one\ntwo\n');
        expect(stdoutOf(execution)).toBe('one\ntwo\n');
        expect(errors).toEqual([lang.raisedName]);
      });
    });

    test(
      'one operation at a time: concurrent calls run one after another and settle in call order',
      { timeout },
      async () => {
        await withSandbox(async (sandbox) => {
          const order: string[] = [];
          const first = sandbox
            .runCode({ code: lang.spin('first'), timeoutMs: CONTRACT_SHORT_TIMEOUT_MS })
            .finally(() => order.push('first'));
          const second = sandbox
            .runCode({ code: lang.setVar({ name: 'order', value: 'second' }) })
            .finally(() => order.push('second'));
          const envs = sandbox
            .setEnvs({ envs: { CONTRACT_QUEUED: 'set' } })
            .finally(() => order.push('setEnvs'));
          const third = sandbox
            .runCode({
              code: [lang.printVar('order'), lang.printEnv('CONTRACT_QUEUED')].join('\n'),
            })
            .finally(() => order.push('third'));
          const [spun, , , read] = await Promise.all([first, second, envs, third]);
          expect(spun.timedOut).toBeDefined();
          expect(stdoutOf(read)).toBe('second\nset\n');
          // Without a queue the quick calls would end while the first still spins.
          expect(order).toEqual(['first', 'second', 'setEnvs', 'third']);
        });
      },
    );

    test(
      'timeout: the result has timedOut and a TimeoutError, nothing is thrown, the session serves the next call',
      { timeout },
      async () => {
        await withSandbox(async (sandbox) => {
          await setKept(sandbox);
          const spun = await sandbox.runCode({
            code: lang.spin('deadline'),
            timeoutMs: CONTRACT_SHORT_TIMEOUT_MS,
          });
          expectExecutionShape(spun);
          expect(['interrupted', 'restarted', 'killed']).toContain(spun.timedOut);
          expect(spun.error?.name).toBe('TimeoutError');
          // Stopping by more than an interrupt costs the state, and the result must say so.
          expect(spun.stateLost ?? false).toBe(spun.timedOut !== 'interrupted');
          await expectKept(sandbox, { lost: spun.stateLost === true });
        });
      },
    );

    test(
      'abort before the call: runCode throws AbortedError and the code is not run',
      { timeout },
      async () => {
        await withSandbox(async (sandbox) => {
          await setKept(sandbox);
          const controller = new AbortController();
          controller.abort();
          const error = await rejectionOf(
            sandbox.runCode({
              code: lang.setVar({ name: 'notRun', value: 'ran' }),
              signal: controller.signal,
            }),
          );
          expect(error).toBeInstanceOf(AbortedError);
          expect(error).toMatchObject({ code: 'ABORTED' });
          expect((await sandbox.runCode({ code: lang.printVar('notRun') })).error).not.toBeNull();
          await expectKept(sandbox);
        });
      },
    );

    test(
      'abort while the code runs: the code is stopped, runCode throws AbortedError, the session serves its next call',
      { timeout },
      async () => {
        await withSandbox(async (sandbox) => {
          const controller = new AbortController();
          const running = startSpinning({
            sandbox,
            streamsOutput,
            options: {
              code: lang.spin('abort-me'),
              marker: 'abort-me',
              timeoutMs: CONTRACT_LONG_TIMEOUT_MS,
              signal: controller.signal,
            },
          });
          await running.started;
          controller.abort();
          const error = await rejectionOf(running.call);
          expect(error).toBeInstanceOf(AbortedError);
          expect(error).toMatchObject({ code: 'ABORTED' });
          // Served at once: had the code not been stopped, this call would wait for its 10 min deadline.
          const next = await sandbox.runCode({ code: lang.print('after abort') });
          expect(next.error).toBeNull();
          expect(next.stateLost ?? false).toBe(false);
          expect(stdoutOf(next)).toBe('after abort\n');
        });
      },
    );

    test(
      'a queued call whose signal aborts before its turn throws AbortedError and never runs',
      { timeout },
      async () => {
        await withSandbox(async (sandbox) => {
          const first = sandbox.runCode({
            code: lang.spin('ahead'),
            timeoutMs: CONTRACT_SHORT_TIMEOUT_MS,
          });
          const controller = new AbortController();
          const queued = sandbox.runCode({
            code: lang.setVar({ name: 'notRun', value: 'ran' }),
            signal: controller.signal,
          });
          controller.abort();
          expect(await rejectionOf(queued)).toBeInstanceOf(AbortedError);
          expect((await first).timedOut).toBeDefined();
          expect((await sandbox.runCode({ code: lang.printVar('notRun') })).error).not.toBeNull();
        });
      },
    );

    test(
      'interrupt() stops the running call, which resolves with an error; the state is kept or reported lost',
      { timeout },
      async () => {
        await withSandbox(async (sandbox) => {
          await setKept(sandbox);
          const running = startSpinning({
            sandbox,
            streamsOutput,
            options: {
              code: lang.spin('interrupt-me'),
              marker: 'interrupt-me',
              timeoutMs: CONTRACT_LONG_TIMEOUT_MS,
            },
          });
          await running.started;
          await sandbox.interrupt();
          const stopped = await running.call;
          expectExecutionShape(stopped);
          expect(stopped.error).not.toBeNull();
          expect(stopped.timedOut).toBeUndefined();
          await expectKept(sandbox, { lost: stopped.stateLost === true });
        });
      },
    );

    test('interrupt() with nothing running does nothing', { timeout }, async () => {
      await withSandbox(async (sandbox) => {
        await setKept(sandbox);
        await sandbox.interrupt();
        await expectKept(sandbox);
      });
    });

    test(
      'a call that loses the state says so (stateLost); the next call runs on fresh state without a second report',
      { timeout },
      async () => {
        await withSandbox(async (sandbox) => {
          await setKept(sandbox);
          const lost = await sandbox.runCode({ code: lang.loseState });
          expectExecutionShape(lost);
          expect(lost.stateLost).toBe(true);
          expect(lost.error).not.toBeNull();
          await expectKept(sandbox, { lost: true });
          await setKept(sandbox);
          await expectKept(sandbox);
        });
      },
    );

    test(
      'output past the cap is cut, flagged truncated and noticed in stderr, never silently dropped',
      { timeout },
      async () => {
        await withSandbox(async (sandbox) => {
          const flood = await sandbox.runCode({ code: lang.flood(4 * maxOutputBytes) });
          expectExecutionShape(flood);
          expect(flood.truncated, JSON.stringify(flood).slice(0, 2_000)).toBe(true);
          expect(Buffer.byteLength(stdoutOf(flood))).toBeLessThanOrEqual(maxOutputBytes);
          expect(flood.logs.stderr.join('')).toMatch(/truncated/i);
          const next = await sandbox.runCode({ code: lang.print('small') });
          expect(next.truncated ?? false).toBe(false);
          expect(stdoutOf(next)).toBe('small\n');
        });
      },
    );

    test(
      'envs: per call for that call only (over setEnvs); setEnvs for every later call, across restart()',
      { timeout },
      async () => {
        await withSandbox(async (sandbox) => {
          const once = await sandbox.runCode({
            code: lang.printEnv('CONTRACT_ONCE'),
            envs: { CONTRACT_ONCE: 'once' },
          });
          expect(stdoutOf(once)).toBe('once\n');
          const after = await sandbox.runCode({ code: lang.printEnv('CONTRACT_ONCE') });
          expect(stdoutOf(after)).toBe('<unset>\n');
          await sandbox.setEnvs({ envs: { CONTRACT_MODE: 'session' } });
          const session = await sandbox.runCode({ code: lang.printEnv('CONTRACT_MODE') });
          expect(stdoutOf(session)).toBe('session\n');
          const override = await sandbox.runCode({
            code: lang.printEnv('CONTRACT_MODE'),
            envs: { CONTRACT_MODE: 'call' },
          });
          expect(stdoutOf(override)).toBe('call\n');
          const restored = await sandbox.runCode({ code: lang.printEnv('CONTRACT_MODE') });
          expect(stdoutOf(restored)).toBe('session\n');
          await sandbox.restart();
          const restarted = await sandbox.runCode({ code: lang.printEnv('CONTRACT_MODE') });
          expect(stdoutOf(restarted)).toBe('session\n');
        });
      },
    );

    test('restart() clears the state, and the next call reports no loss', { timeout }, async () => {
      await withSandbox(async (sandbox) => {
        await setKept(sandbox);
        await sandbox.restart();
        await expectKept(sandbox, { lost: true });
      });
    });

    test(
      'invalid options throw InvalidArgumentError; the session goes on',
      { timeout },
      async () => {
        await withSandbox(async (sandbox) => {
          for (const timeoutMs of [-1, Number.NaN]) {
            const error = await rejectionOf(
              sandbox.runCode({ code: lang.print('never'), timeoutMs }),
            );
            expect(error, `timeoutMs ${timeoutMs}`).toBeInstanceOf(InvalidArgumentError);
          }
          expect(stdoutOf(await sandbox.runCode({ code: lang.print('fine') }))).toBe('fine\n');
        });
      },
    );

    describeSandboxFileContract({ create: withSandbox, language: lang, timeout });

    test(
      'after close() every method rejects with SandboxClosedError; close() is idempotent',
      { timeout },
      async () => {
        const sandbox = await create();
        await sandbox.close();
        const calls: Record<string, () => Promise<unknown>> = {
          runCode: () => sandbox.runCode({ code: lang.print('closed') }),
          writeFile: () => sandbox.writeFile({ path: 'closed.txt', data: 'x' }),
          readFile: () => sandbox.readFile({ path: 'closed.txt' }),
          setEnvs: () => sandbox.setEnvs({ envs: { CLOSED: '1' } }),
          interrupt: () => sandbox.interrupt(),
          restart: () => sandbox.restart(),
        };
        for (const [method, call] of Object.entries(calls)) {
          let promise: Promise<unknown> = Promise.resolve();
          expect(() => {
            promise = call();
          }, `${method} must reject, not throw`).not.toThrow();
          const error = await rejectionOf(promise);
          expect(error, method).toBeInstanceOf(SandboxClosedError);
          expect(error, method).toMatchObject({ code: 'SANDBOX_CLOSED' });
        }
        await sandbox.close();
        await sandbox[Symbol.asyncDispose]();
      },
    );

    test(
      'close() while code runs: the running and the queued calls reject with SandboxClosedError',
      { timeout },
      async () => {
        const sandbox = await create();
        try {
          const running = startSpinning({
            sandbox,
            streamsOutput,
            options: {
              code: lang.spin('close-me'),
              marker: 'close-me',
              timeoutMs: CONTRACT_LONG_TIMEOUT_MS,
            },
          });
          const queued = sandbox.runCode({ code: lang.print('queued') });
          queued.catch(() => undefined);
          await running.started;
          await sandbox.close();
          expect(await rejectionOf(running.call)).toBeInstanceOf(SandboxClosedError);
          expect(await rejectionOf(queued)).toBeInstanceOf(SandboxClosedError);
        } finally {
          await sandbox.close();
        }
      },
    );
  });
}
