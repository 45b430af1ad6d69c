// The JavaScript sandbox for real: isolated-vm isolates on piscina threads in a child process.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AbortedError, executionText, SandboxClosedError } from '../../../core/index.ts';
import { JsSandboxProvider } from '../../../sandboxes/index.ts';

const hostConfig = { region: 'eu', nested: { level: 1 } };

/** The limits of the shared provider below, with room in CPU time and wall clock. */
async function startRoomy(): Promise<JsSandboxProvider> {
  return await JsSandboxProvider.start({
    threads: 1,
    limits: {
      cpuTimeLimitMs: 20_000,
      wallTimeLimitMs: 30_000,
      memoryLimitMb: 32,
      maxOutputChars: 10_000,
    },
  });
}

describe('JavaScript sandbox', () => {
  let provider: JsSandboxProvider;
  beforeAll(async () => {
    provider = await JsSandboxProvider.start({
      threads: 2,
      limits: {
        cpuTimeLimitMs: 500,
        wallTimeLimitMs: 1_500,
        memoryLimitMb: 32,
        maxOutputChars: 10_000,
      },
      hostFunctions: {
        add: (a, b) => Number(a) + Number(b),
        config: () => hostConfig,
        fail: () => {
          throw new Error('the host said no');
        },
      },
    });
  });
  afterAll(async () => {
    await provider?.close();
  });

  test('the last value, console output and a thrown error come back as data', async () => {
    const ok = await provider.run({
      code: 'console.log("hi", { a: [1, 2] }); console.error("warn"); 6 * 7',
    });
    expect(executionText(ok)).toBe('42');
    expect(ok.results[0]?.json).toBe(42);
    expect(ok.logs).toEqual({ stdout: ['hi { a: [ 1, 2 ] }\n'], stderr: ['warn\n'] });
    expect(ok.error).toBeNull();

    const failed = await provider.run({
      code: 'function inner() { throw new TypeError("bad input") }\nconsole.log("before"); inner()',
    });
    expect(failed.error).toMatchObject({ name: 'TypeError', value: 'bad input' });
    expect(failed.error?.traceback).toContain('at inner (cell-1.js:1:');
    // Host frames stay out of the traceback.
    expect(failed.error?.traceback).not.toContain('sandboxes/js');
    expect(failed.logs.stdout).toEqual(['before\n']);
  });

  test('async code is awaited: a returned promise, top-level await, and rejections', async () => {
    expect(executionText(await provider.run({ code: 'Promise.resolve("later")' }))).toBe('"later"');
    expect(
      executionText(await provider.run({ code: 'const v = await Promise.resolve(20); v + 1' })),
    ).toBe('21');
    const rejected = await provider.run({ code: 'await Promise.reject(new RangeError("nope"))' });
    expect(rejected.error).toMatchObject({ name: 'RangeError', value: 'nope' });
  });

  test('host functions are the only way out, and only JSON crosses', async () => {
    expect(executionText(await provider.run({ code: 'await host.add(2, 3)' }))).toBe('5');
    const failed = await provider.run({ code: 'await host.fail()' });
    expect(failed.error).toMatchObject({ name: 'HostFunctionError', value: 'the host said no' });
    // Polluting what a host function returned changes a copy, never the host's object.
    await provider.run({
      code: 'const c = await host.config(); c.nested.level = 99; c.__proto__.polluted = true; Object.prototype.polluted2 = true',
    });
    expect(hostConfig.nested.level).toBe(1);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['polluted2']).toBeUndefined();
  });

  test('no Node API is reachable, even through constructor chains', async () => {
    const probe = await provider.run({
      code: [
        'const seen = [typeof process, typeof require, typeof module, typeof fetch, typeof WebAssembly, typeof setTimeout];',
        'const viaFunction = host.add.constructor.constructor("return typeof process")();',
        'const viaError = (() => { try { null.f() } catch (e) { return e.constructor.constructor("return typeof require")() } })();',
        '[...seen, viaFunction, viaError].join(",")',
      ].join('\n'),
    });
    expect(probe.error).toBeNull();
    expect(executionText(probe)).toBe(
      '"undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined"',
    );
  });

  test('fresh calls share nothing: globals and prototype changes are gone next time', async () => {
    await provider.run({ code: 'globalThis.leak = 1; Array.prototype.evil = () => "pwned"' });
    const next = await provider.run({ code: '[typeof leak, typeof [].evil].join(",")' });
    expect(executionText(next)).toBe('"undefined,undefined"');
  });

  test('an infinite loop is stopped at the CPU limit and the next call works', async () => {
    const looped = await provider.run({ code: 'while (true) {}' });
    expect(looped.timedOut).toBe('interrupted');
    expect(looped.error?.name).toBe('TimeoutError');
    expect(executionText(await provider.run({ code: '1 + 1' }))).toBe('2');
  });

  test("a runaway script does not hold the caller's event loop", async () => {
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 10);
    try {
      // 500 ms of CPU in the child: a blocked event loop here would see no ticks at all.
      await provider.run({ code: 'while (true) {}' });
    } finally {
      clearInterval(ticker);
    }
    expect(ticks).toBeGreaterThanOrEqual(5);
  });

  test('an async busy loop is stopped by the CPU clock', async () => {
    const spun = await provider.run({ code: 'for (;;) { await null }' });
    expect(spun.timedOut).toBeDefined();
    expect(spun.error?.value).toMatch(/CPU-time limit|wall-clock limit/);
    expect(executionText(await provider.run({ code: '"alive"' }))).toBe('"alive"');
  });

  test('a promise that never settles ends at the wall clock', async () => {
    const hung = await provider.run({ code: 'await new Promise(() => {})' });
    expect(hung.timedOut).toBe('restarted');
    expect(hung.error?.value).toContain('wall-clock limit of 1500 ms');
    const shorter = await provider.run({ code: 'await new Promise(() => {})', timeoutMs: 200 });
    expect(shorter.error?.value).toContain('wall-clock limit of 200 ms');
    expect(executionText(await provider.run({ code: '"alive"' }))).toBe('"alive"');
  });

  // These two need more than the 500 ms of CPU above on a loaded machine (reaching the heap
  // limit is slow garbage collection; a million console calls take a while): their own
  // provider gives them room, so only the memory limit or the end of the code stops them.
  test('a huge allocation hits the memory limit and the next call works', async () => {
    const roomy = await startRoomy();
    try {
      const grown = await roomy.run({
        code: 'const keep = []; for (;;) keep.push(new Array(1e6).fill(Math.random()))',
      });
      expect(grown.error).toMatchObject({ name: 'OutOfMemoryError' });
      expect(grown.error?.value).toContain('memory limit of 32 MB');
      const buffer = await roomy.run({ code: 'new ArrayBuffer(2 ** 31).byteLength' });
      expect(buffer.error).not.toBeNull();
      expect(executionText(await roomy.run({ code: '"alive"' }))).toBe('"alive"');
    } finally {
      await roomy.close();
    }
  });

  test('console output is capped, flagged and noticed, and the code goes on', async () => {
    const roomy = await startRoomy();
    let flood;
    try {
      flood = await roomy.run({
        code: 'for (let i = 0; i < 1e6; i++) console.log("x".repeat(100)); "done"',
      });
    } finally {
      await roomy.close();
    }
    expect(executionText(flood)).toBe('"done"');
    expect(flood.truncated).toBe(true);
    expect(flood.logs.stdout.join('').length).toBeLessThanOrEqual(10_000);
    expect(flood.logs.stderr.join('')).toMatch(/output truncated/);
  });

  test('sessions keep state, never share a context, and restart clean', async () => {
    const one = await provider.create({ sessionId: 'one' });
    const two = await provider.create({ sessionId: 'two' });
    try {
      await one.runCode({ code: 'let counter = 1; globalThis.shared = "one"' });
      expect(executionText(await one.runCode({ code: '++counter' }))).toBe('2');
      expect(executionText(await two.runCode({ code: 'typeof counter + typeof shared' }))).toBe(
        '"undefinedundefined"',
      );
      expect(
        provider
          .list()
          .map((info) => info.sessionId)
          .sort(),
      ).toEqual(['one', 'two']);
      await one.setEnvs({ envs: { MODE: 'test' } });
      expect(executionText(await one.runCode({ code: 'env.MODE + counter' }))).toBe('"test2"');
      await one.restart();
      expect(executionText(await one.runCode({ code: 'typeof counter' }))).toBe('"undefined"');
    } finally {
      await one.close();
      await two.close();
    }
    await expect(one.runCode({ code: '1' })).rejects.toBeInstanceOf(SandboxClosedError);
  });

  test('aborting a run disposes its isolate and throws AbortedError; the session starts over', async () => {
    // As on Docker: an aborted runCode throws, it does not return a result.
    const session = await provider.create();
    try {
      await session.runCode({ code: 'var kept = 1' });
      const controller = new AbortController();
      const running = session.runCode({
        code: 'await new Promise(() => {})',
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), 100);
      await expect(running).rejects.toBeInstanceOf(AbortedError);
      const next = await session.runCode({ code: 'typeof kept' });
      expect(executionText(next)).toBe('"undefined"');
      // The throw reported the loss: the next call does not report it again.
      expect(next.stateLost).toBeUndefined();
    } finally {
      await session.close();
    }
  });

  test('the child process holds no secrets from the parent environment', async () => {
    // Set before the child starts, so inheriting the environment would show it.
    process.env['LAGENT_TEST_SECRET'] = 'hunter2';
    const own = await JsSandboxProvider.start({ threads: 1 });
    try {
      const pid = own.hostPid;
      expect(pid).toBeTypeOf('number');
      const environ = await readFile(`/proc/${String(pid)}/environ`, 'utf8');
      expect(environ).not.toContain('hunter2');
      expect(environ).not.toContain('REDIS_URL');
      // Only what Node itself adds for the IPC channel.
      const names = environ
        .split('\0')
        .filter(Boolean)
        .map((entry) => entry.split('=')[0]);
      expect(names.sort()).toEqual(['NODE_CHANNEL_FD', 'NODE_CHANNEL_SERIALIZATION_MODE']);
    } finally {
      delete process.env['LAGENT_TEST_SECRET'];
      await own.close();
    }
  });
});

describe('JavaScript sandbox host crash', () => {
  test('a crash of the child is the result of what ran there (never thrown, so never retried), loses idle sessions, and the next call works', async () => {
    const provider = await JsSandboxProvider.start({ threads: 1 });
    try {
      const session = await provider.create();
      await session.runCode({ code: 'var x = 1' });
      const firstPid = provider.hostPid;
      const running = provider.run({ code: 'await new Promise(() => {})' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      provider.killHost();
      const crashed = await running;
      expect(crashed.error).toMatchObject({ name: 'SandboxCrashed' });
      expect(crashed.error?.value).toContain('exited while this code ran');
      await expect(session.runCode({ code: 'x' })).rejects.toThrow(/was lost/);
      expect(executionText(await provider.run({ code: '"back"' }))).toBe('"back"');
      expect(provider.hostPid).not.toBe(firstPid);
      const fresh = await provider.create();
      expect(executionText(await fresh.runCode({ code: '1 + 1' }))).toBe('2');
    } finally {
      await provider.close();
    }
  });
});
