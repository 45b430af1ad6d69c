// What the JavaScript sandbox tells its caller must be true, continued: values that cannot be
// copied out are shown or are clear errors, output is capped and cleaned, SharedArrayBuffer is
// absent, and an abort stops the code at once and throws. (js-sandbox-truth.test.ts: user code
// against the platform, and state loss.)
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AbortedError, executionText, SandboxClosedError } from '../../../core/index.ts';
import type { JsSandboxProvider } from '../../../sandboxes/index.ts';
import {
  hostCalls,
  inJsSession,
  JS_TEST_MAX_OUTPUT_CHARS,
  startCountingProvider,
} from '../../support/js-sandbox-fixture.ts';
import { stdoutOf } from '../../support/sandbox-contract-options.ts';

describe('JavaScript sandbox: output and values', () => {
  let provider: JsSandboxProvider;
  beforeAll(async () => {
    provider = await startCountingProvider();
  });
  afterAll(async () => {
    await provider?.close();
  });

  test('output before a memory stop is returned, capped and flagged', async () => {
    const flooded = await provider.run({
      code: 'for (let i = 0; i < 300; i++) console.log("x".repeat(99)); const keep = []; for (;;) keep.push(new Array(1e6).fill(1))',
    });
    expect(flooded.error?.name).toBe('OutOfMemoryError');
    expect(flooded.truncated).toBe(true);
    expect(stdoutOf(flooded).length).toBe(JS_TEST_MAX_OUTPUT_CHARS);
    expect(flooded.logs.stderr.join('')).toMatch(/output truncated/);
  });

  test('values that cannot be copied as they are are shown, or give a clear error', async () => {
    const shown = async (code: string) => {
      const execution = await provider.run({ code });
      expect(execution.error, code).toBeNull();
      return { text: executionText(execution), json: execution.results[0]?.json, execution };
    };
    expect(await shown('(function named() {})')).toMatchObject({
      text: '[Function: named]',
      json: undefined,
    });
    expect(await shown('Symbol("s")')).toMatchObject({ text: 'Symbol(s)', json: undefined });
    expect(await shown('10n ** 20n')).toMatchObject({
      text: '100000000000000000000n',
      json: undefined,
    });
    expect(await shown('const o = { n: 1 }; o.self = o; o')).toMatchObject({
      text: '{ n: 1, self: [Circular] }',
      json: undefined,
    });
    expect(await shown('({ get boom() { throw new Error("getter") }, ok: 1 })')).toMatchObject({
      text: '{ boom: [Getter], ok: 1 }',
      json: undefined,
    });
    expect(await shown('new Map([["a", 1]])')).toMatchObject({ text: 'Map(1) { "a" => 1 }' });
    expect((await shown('host')).text).toBe('{ count: [Function: count] }');
    // Its properties are not enumerable: shown without them, and without an error.
    expect((await shown('globalThis')).text).toBe('Object {}');
    const huge = await shown('"x".repeat(5e6)');
    expect(huge.text?.length).toBeLessThan(JS_TEST_MAX_OUTPUT_CHARS + 10);
    expect(huge.json).toBeUndefined();
    expect(huge.execution.truncated).toBe(true);
    const long = await shown('Array.from({ length: 1e6 }, (_, i) => i)');
    expect(long.text).toMatch(/^\[ 0, 1, 2, .* 99, \.\.\. 999900 more items \]$/);
    expect(long.json).toBeUndefined();

    const trapped = await provider.run({
      code: 'new Proxy({}, { ownKeys() { throw new Error("trap") } })',
    });
    expect(trapped.error?.name).toBe('ResultError');
    expect(trapped.error?.value).toContain('could not be displayed: Error: trap');
    const thrownGetter = await provider.run({
      code: 'throw Object.defineProperty(new Error("x"), "message", { get() { throw new Error("inner") } })',
    });
    expect(thrownGetter.error).not.toBeNull();
  });

  test('output and values are sanitised: no terminal escapes, invisible characters shown', async () => {
    const dirty = await provider.run({
      code: 'console.log("a\\u001b[31mred\\u001b[0m \\u202eevil"); "\\u200bhidden"',
    });
    const seen = stdoutOf(dirty) + (executionText(dirty) ?? '');
    expect(seen).not.toContain('\u001b');
    expect(seen).not.toContain('\u202e');
    expect(seen).not.toContain('\u200b');
    expect(stdoutOf(dirty)).toContain('red');
  });

  test('SharedArrayBuffer and Atomics.wait/waitAsync are absent unless allowed', async () => {
    const probe =
      'typeof SharedArrayBuffer + "," + typeof Atomics.wait + "," + typeof Atomics.waitAsync';
    expect(executionText(await provider.run({ code: probe }))).toBe(
      '"undefined,undefined,undefined"',
    );
    const allowing = await startCountingProvider({
      threads: 1,
      limits: { allowSharedArrayBuffer: true },
    });
    try {
      expect(executionText(await allowing.run({ code: probe }))).toBe(
        '"function,undefined,function"',
      );
    } finally {
      await allowing.close();
    }
  });
});

describe('JavaScript sandbox: aborts and stops', () => {
  let provider: JsSandboxProvider;
  beforeAll(async () => {
    // Limits far above the test's deadline: only the abort can stop the code in time.
    provider = await startCountingProvider({
      limits: { cpuTimeLimitMs: 300_000, wallTimeLimitMs: 300_000 },
    });
  });
  afterAll(async () => {
    await provider?.close();
  });

  test('an abort stops a synchronous loop at once and throws AbortedError; the session goes on', async () => {
    await inJsSession(provider, async (session) => {
      const controller = new AbortController();
      hostCalls.count = 0;
      const running = session.runCode({
        code: 'host.count(); for (;;) {}',
        signal: controller.signal,
      });
      await expect.poll(() => hostCalls.count, { timeout: 30_000 }).toBe(1);
      controller.abort();
      await expect(running).rejects.toBeInstanceOf(AbortedError);
      const next = await session.runCode({ code: '"after"' });
      expect(executionText(next)).toBe('"after"');
      expect(next.stateLost).toBeUndefined();
    });
  });

  test('a call aborted before it starts never runs, already aborted or queued', async () => {
    await inJsSession(provider, async (session) => {
      hostCalls.count = 0;
      const aborted = AbortSignal.abort();
      await expect(
        session.runCode({ code: 'host.count()', signal: aborted }),
      ).rejects.toBeInstanceOf(AbortedError);
      const controller = new AbortController();
      const first = session.runCode({ code: 'for (;;) {}', timeoutMs: 2_000 });
      const queued = session.runCode({ code: 'host.count()', signal: controller.signal });
      controller.abort();
      await expect(queued).rejects.toBeInstanceOf(AbortedError);
      expect((await first).timedOut).toBe('interrupted');
      expect(hostCalls.count).toBe(0);
    });
  });

  test('a fresh call aborted while it runs throws AbortedError', async () => {
    const controller = new AbortController();
    hostCalls.count = 0;
    const running = provider.run({ code: 'host.count(); for (;;) {}', signal: controller.signal });
    await expect.poll(() => hostCalls.count, { timeout: 30_000 }).toBe(1);
    controller.abort();
    await expect(running).rejects.toBeInstanceOf(AbortedError);
  });

  test('interrupt() stops the running call, which resolves with an error and stateLost', async () => {
    await inJsSession(provider, async (session) => {
      hostCalls.count = 0;
      const running = session.runCode({ code: 'host.count(); for (;;) {}' });
      await expect.poll(() => hostCalls.count, { timeout: 30_000 }).toBe(1);
      await session.interrupt();
      const stopped = await running;
      expect(stopped.error?.name).toBe('Interrupted');
      expect(stopped.stateLost).toBe(true);
      expect(executionText(await session.runCode({ code: '2 + 2' }))).toBe('4');
    });
  });

  test('close() stops the running and queued calls with SandboxClosedError', async () => {
    const session = await provider.create();
    hostCalls.count = 0;
    const running = session.runCode({ code: 'host.count(); for (;;) {}' });
    const queued = session.runCode({ code: 'host.count()' });
    // Both reject while close() is awaited; they are checked after it.
    running.catch(() => undefined);
    queued.catch(() => undefined);
    await expect.poll(() => hostCalls.count, { timeout: 30_000 }).toBe(1);
    await session.close();
    await expect(running).rejects.toBeInstanceOf(SandboxClosedError);
    await expect(queued).rejects.toBeInstanceOf(SandboxClosedError);
    expect(hostCalls.count).toBe(1);
  });
});
