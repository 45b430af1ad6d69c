// What the JavaScript sandbox tells its caller must be true: user code cannot break the
// platform's own code in the isolate (nor make it run twice), and a call that loses the
// state says so itself, with the output it printed before. Real isolates in the real child
// process. (Values, caps, aborts and stops: js-sandbox-stops.test.ts.)
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { executionText } from '../../../core/index.ts';
import type { JsSandbox, JsSandboxProvider } from '../../../sandboxes/index.ts';
import { hostCalls, inJsSession, startCountingProvider } from '../../support/js-sandbox-fixture.ts';
import { stdoutOf } from '../../support/sandbox-contract-options.ts';

// Each replaces built-ins the platform's code in the isolate used (or could use).
const SABOTAGE: Array<{ name: string; code: string; consoleWorks?: false }> = [
  {
    name: 'JSON.stringify / JSON.parse',
    code: 'JSON.stringify = JSON.parse = () => { throw new Error("sabotage") }',
  },
  {
    name: 'Array.prototype methods and iterator',
    code: 'for (const k of ["push", "join", "map", "slice", "forEach", "concat", "filter"]) Array.prototype[k] = () => { throw new Error("sabotage") }; Array.prototype[Symbol.iterator] = function* () { throw new Error("sabotage") }',
  },
  {
    name: 'Array index accessors on the prototype',
    code: 'for (let i = 0; i < 8; i++) Object.defineProperty(Array.prototype, i, { get() { throw new Error("sabotage") }, set() { throw new Error("sabotage") }, configurable: true })',
  },
  {
    name: 'Object statics',
    code: 'for (const k of ["keys", "defineProperty", "freeze", "getOwnPropertyDescriptor", "getPrototypeOf", "hasOwn", "entries", "fromEntries", "assign"]) Object[k] = () => { throw new Error("sabotage") }',
  },
  {
    name: 'Object.prototype getters with the names the platform reads',
    code: 'for (const k of ["ok", "text", "json", "error", "value", "get", "set", "result", "copy", "promise", "reference", "timeout", "arguments", "pending", "truncated", "name", "message", "stack", "enumerable", "writable", "configurable", "then"]) Object.defineProperty(Object.prototype, k, { __proto__: null, get() { throw new Error("sabotage") }, set() { throw new Error("sabotage") }, configurable: true })',
  },
  {
    name: 'a thenable Object.prototype',
    code: 'Object.prototype.then = function (resolve) { resolve("hijacked") }',
  },
  {
    name: 'String.prototype methods',
    code: 'for (const k of ["slice", "toString", "concat", "repeat", "padStart", "replace", "split", "charCodeAt"]) String.prototype[k] = () => { throw new Error("sabotage") }',
  },
  {
    name: 'Promise, Promise.resolve and Promise.prototype.then',
    code: 'Promise.prototype.then = Promise.resolve = () => { throw new Error("sabotage") }; globalThis.Promise = function () { throw new Error("sabotage") }',
  },
  {
    name: 'Promise.prototype.constructor and Promise[Symbol.species] (refused)',
    code: 'try { Object.defineProperty(Promise.prototype, "constructor", { get() { throw new Error("sabotage") } }) } catch {}\ntry { Object.defineProperty(Promise, Symbol.species, { get() { throw new Error("sabotage") } }) } catch {}',
  },
  { name: 'Symbol', code: 'globalThis.Symbol = undefined' },
  {
    name: 'Error and stack formatting',
    code: 'Error.prototype.toString = () => { throw new Error("sabotage") }; Error.prepareStackTrace = () => { throw new Error("sabotage") }; globalThis.Error = function () { throw new Error("sabotage") }',
  },
  {
    name: 'Function.prototype call/apply/bind',
    code: 'Function.prototype.call = Function.prototype.apply = Function.prototype.bind = () => { throw new Error("sabotage") }',
  },
  {
    name: 'Reflect',
    code: 'for (const k of Object.getOwnPropertyNames(Reflect)) Reflect[k] = () => { throw new Error("sabotage") }',
  },
  {
    name: 'Map, Set, WeakSet and Math',
    code: 'globalThis.Map = globalThis.Set = globalThis.WeakSet = undefined; Math.max = Math.min = () => { throw new Error("sabotage") }',
  },
  {
    name: 'globalThis getters',
    code: 'const define = Object.defineProperty; for (const k of ["console", "env", "host", "JSON", "Reflect", "Object", "Array", "String", "Promise"]) define(globalThis, k, { get() { throw new Error("sabotage") }, configurable: true })',
    consoleWorks: false,
  },
  {
    name: 'console',
    code: 'globalThis.console = { log() { throw new Error("sabotage") } }',
    consoleWorks: false,
  },
];

describe('JavaScript sandbox: user code cannot break the platform', () => {
  let provider: JsSandboxProvider;
  beforeAll(async () => {
    provider = await startCountingProvider();
  });
  afterAll(async () => {
    await provider?.close();
  });

  test.each(SABOTAGE)(
    '$name: the code runs exactly once, its result is right, and the next call works',
    async ({ code, consoleWorks = true }) => {
      await inJsSession(provider, async (session) => {
        hostCalls.count = 0;
        // Async (the first await), so its value also goes through the promise path.
        const first = await session.runCode({
          code: `await host.count();\nconsole.log("before", [1], { b: 2 });\n${code};\n6 * 7`,
        });
        expect(first.error).toBeNull();
        expect(stdoutOf(first)).toBe('before [ 1 ] { b: 2 }\n');
        expect(executionText(first)).toBe('42');
        expect(first.results[0]?.json).toBe(42);
        expect(hostCalls.count).toBe(1);
        const next = await session.runCode({
          code: consoleWorks ? 'console.log("next", [1], { b: 2 }); 6 * 7' : '6 * 7',
        });
        expect(next.error).toBeNull();
        expect(executionText(next)).toBe('42');
        if (consoleWorks) expect(stdoutOf(next)).toBe('next [ 1 ] { b: 2 }\n');
        expect(hostCalls.count).toBe(1);
      });
    },
  );

  test('a fresh call that sabotages runs once and leaves nothing for the next one', async () => {
    hostCalls.count = 0;
    const all = SABOTAGE.map(({ code }) => `try { ${code} } catch {}`).join('\n');
    const sabotaged = await provider.run({ code: `await host.count();\n${all};\n"done"` });
    expect(sabotaged.error).toBeNull();
    expect(executionText(sabotaged)).toBe('"done"');
    expect(hostCalls.count).toBe(1);
    const next = await provider.run({ code: 'console.log([1], { a: "x" }); JSON.stringify([1])' });
    expect(next.error).toBeNull();
    expect(stdoutOf(next)).toBe('[ 1 ] { a: "x" }\n');
    expect(executionText(next)).toBe('"[1]"');
  });
});

describe('JavaScript sandbox: state loss is reported by the call that lost it', () => {
  let provider: JsSandboxProvider;
  beforeAll(async () => {
    provider = await startCountingProvider();
  });
  afterAll(async () => {
    await provider?.close();
  });

  async function expectFreshAndSilent(session: JsSandbox): Promise<void> {
    const next = await session.runCode({ code: 'typeof kept' });
    expect(next.error).toBeNull();
    expect(executionText(next)).toBe('"undefined"');
    expect(next.stateLost).toBeUndefined();
  }

  test('the memory limit: that call says so, keeps its output, and the next call is fresh', async () => {
    await inJsSession(provider, async (session) => {
      await session.runCode({ code: 'var kept = 1' });
      const grown = await session.runCode({
        code: 'console.log("filling"); const keep = []; for (;;) keep.push(new Array(1e6).fill(1))',
      });
      expect(grown.error?.name).toBe('OutOfMemoryError');
      expect(grown.error?.value).toMatch(/memory limit of 16 MB.*disposed.*state is lost/);
      expect(grown.stateLost).toBe(true);
      expect(stdoutOf(grown)).toBe('filling\n');
      await expectFreshAndSilent(session);
    });
  });

  test('the wall clock: that call says so, keeps its output, and the next call is fresh', async () => {
    await inJsSession(provider, async (session) => {
      await session.runCode({ code: 'var kept = 1' });
      const hung = await session.runCode({
        code: 'console.log("waiting"); await new Promise(() => {})',
        timeoutMs: 300,
      });
      expect(hung.error?.name).toBe('TimeoutError');
      expect(hung.error?.value).toMatch(/wall-clock limit of 300 ms.*state is lost/);
      expect(hung.timedOut).toBe('restarted');
      expect(hung.stateLost).toBe(true);
      expect(stdoutOf(hung)).toBe('waiting\n');
      await expectFreshAndSilent(session);
    });
  });

  test('a CPU-limit stop keeps the state and the output before it', async () => {
    await inJsSession(provider, async (session) => {
      await session.runCode({ code: 'var kept = 1' });
      const spun = await session.runCode({
        code: 'console.log("spinning"); for (;;) {}',
        timeoutMs: 2_000,
      });
      expect(spun.timedOut).toBe('interrupted');
      expect(spun.error?.value).toMatch(/limit of 2000 ms.*state is kept/);
      expect(spun.stateLost).toBeUndefined();
      expect(stdoutOf(spun)).toBe('spinning\n');
      expect(executionText(await session.runCode({ code: 'kept' }))).toBe('1');
    });
  });

  test('work a stopped cell left queued runs (and is stopped) in that call, not the next', async () => {
    await inJsSession(provider, async (session) => {
      await session.runCode({ code: 'var kept = 1' });
      // The microtask outlives isolated-vm's timeout; entered again without a clock it would
      // hold the thread for good.
      const stopped = await session.runCode({
        code: 'Promise.resolve().then(() => { for (;;) {} }); for (;;) {}',
        timeoutMs: 2_000,
      });
      expect(stopped.error?.name).toBe('TimeoutError');
      expect(stopped.timedOut).toBe('restarted');
      expect(stopped.stateLost).toBe(true);
      await expectFreshAndSilent(session);
    });
  });

  test('a thrown value whose getters never end is stopped by the wall clock', async () => {
    await inJsSession(provider, async (session) => {
      for (const code of [
        'throw Object.defineProperty(new Error("x"), "message", { get() { for (;;) {} } })',
        'Promise.reject(Object.defineProperty(new Error("x"), "stack", { get() { for (;;) {} } })); 1',
      ]) {
        const stuck = await session.runCode({ code, timeoutMs: 1_000 });
        expect(stuck.error?.name, code).toBe('TimeoutError');
        expect(stuck.stateLost, code).toBe(true);
        expect(executionText(await session.runCode({ code: '1 + 1' }))).toBe('2');
      }
    });
  });

  test('a host crash during a session call is that call’s result; the session then starts over', async () => {
    const own = await startCountingProvider({ threads: 1 });
    try {
      const session = await own.create();
      await session.runCode({ code: 'var kept = 1' });
      hostCalls.count = 0;
      const running = session.runCode({ code: 'await host.count(); await new Promise(() => {})' });
      await expect.poll(() => hostCalls.count, { timeout: 30_000 }).toBe(1);
      own.killHost();
      const crashed = await running;
      expect(crashed.error?.name).toBe('SandboxCrashed');
      expect(crashed.stateLost).toBe(true);
      expect(hostCalls.count).toBe(1);
      await expectFreshAndSilent(session);
      await session.close();
    } finally {
      await own.close();
    }
  });
});
