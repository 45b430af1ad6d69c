// Runs code in one isolated-vm isolate (thread side). Limits: the isolate's heap limit, a CPU
// budget (isolated-vm's timeout, then a poll of the isolate's CPU clock while it awaits), and
// a wall clock. Exceeding the last two, or an abort, disposes the isolate: nothing else stops
// a script reliably. The next call gets a new isolate.
//
// Once user code has run in an isolate, every entry into it is asynchronous, so this thread
// stays free to dispose it: isolated-vm runs code outside its timeout after a call (the
// microtasks a timed-out cell left queued, the getters of an error it copies out), and a
// synchronous entry would hang this thread there. An isolate is entered synchronously only
// while it is clean: new, or reused after runs that left nothing queued.
import ivm from 'isolated-vm';
import type { RunOutcome } from './js-host-protocol.ts';
import type { JsLimits } from './js-sandbox-options.ts';
import { isIsolateTimeout, runOutcome } from './isolate-outcome.ts';
import type { RunEnding, StopReason } from './isolate-outcome.ts';
import { IsolateOutput } from './isolate-output.ts';
import { stopGraceMs, watchRun } from './isolate-watch.ts';
import { PRELUDE_AWAITING, preludeSource } from './isolate-prelude.ts';
import { cellSource } from './cell-source.ts';
import type { CellSource } from './cell-source.ts';

/** Calls a host function by name with JSON arguments; resolves to a JSON reply text. */
export type HostCaller = (name: string, argsJson: string) => Promise<string>;

/** Setting up a context runs only the prelude. */
const PRELUDE_TIMEOUT_MS = 1_000;
/** How long the microtasks a failed run left queued may run before the isolate goes. */
const SETTLE_MS = 1_000;

export interface IsolateRunnerOptions {
  limits: JsLimits;
  hostFunctionNames: readonly string[];
  callHost: HostCaller;
}

interface ContextApi {
  context: ivm.Context;
  finish: ivm.Reference;
  setEnv: ivm.Reference;
  /** The host's functions the prelude holds: output, host calls. */
  write: ivm.Reference;
  hostCall: ivm.Reference;
  /** The environment the context's `env` holds, as a comparable key. */
  envKey: string;
}

/** One isolate with its current context. Not safe for two runs at once: callers serialise. */
export class IsolateRunner {
  readonly #options: IsolateRunnerOptions;
  #isolate: ivm.Isolate;
  #api: ContextApi | undefined;
  #prelude: { isolate: ivm.Isolate; script: ivm.Script } | undefined;
  #envs: Record<string, string> = {};
  #executionCount = 0;
  #stop: StopReason | undefined;
  /** The running execution's output; undefined between runs. */
  #output: IsolateOutput | undefined;
  /** Host-call replies that came back between runs, held until the next run starts. */
  #held: Array<() => void> = [];
  #hostCallsInFlight = 0;
  /** Counts isolates: a host call of a replaced isolate no longer counts as in flight. */
  #generation = 0;
  /** No code of the user's can be pending in the isolate. */
  #clean = true;
  /** Starts the running execution's CPU poll (its value turned out to be a promise). */
  #pollCpu: (() => void) | undefined;
  uses = 0;

  constructor(options: IsolateRunnerOptions) {
    this.#options = options;
    this.#isolate = this.#newIsolate();
  }

  get isDisposed(): boolean {
    return this.#isolate.isDisposed;
  }

  /** Whether a fresh call may use this isolate next: nothing of the last one can still run. */
  get reusable(): boolean {
    return this.#clean && this.#hostCallsInFlight === 0 && !this.#isolate.isDisposed;
  }

  #newIsolate(): ivm.Isolate {
    this.#clean = true;
    // Replies held for the old isolate are dropped with it.
    this.#held = [];
    this.#hostCallsInFlight = 0;
    this.#generation += 1;
    return new ivm.Isolate({ memoryLimit: Math.max(8, this.#options.limits.memoryLimitMb) });
  }

  /** Sets `env` for later executions (it reaches the isolate when the next one starts). */
  setEnvs(envs: Readonly<Record<string, string>>): void {
    this.#envs = { ...this.#envs, ...envs };
  }

  /** Drops the context (and the isolate if it is broken); the next run starts clean. */
  reset(): void {
    this.#releaseContext();
    if (this.#isolate.isDisposed) this.#isolate = this.#newIsolate();
    this.#executionCount = 0;
  }

  /** Builds the context ahead of the next run (only on a clean isolate). */
  prepare(): void {
    if (this.#clean) this.#ensureContext();
  }

  /** Stops a running execution by disposing the isolate. */
  abort(): void {
    this.#kill('abort');
  }

  dispose(): void {
    this.#releaseContext();
    if (!this.#isolate.isDisposed) this.#isolate.dispose();
  }

  #kill(reason: StopReason): void {
    this.#stop ??= reason;
    if (!this.#isolate.isDisposed) this.#isolate.dispose();
  }

  #releaseContext(): void {
    const api = this.#api;
    this.#api = undefined;
    if (!api) return;
    for (const reference of [api.finish, api.setEnv, api.write, api.hostCall, api.context]) {
      try {
        reference.release();
      } catch {
        // Already gone with its isolate.
      }
    }
  }

  /** A host call; its reply reaches the isolate only while a run is on (see the top). */
  async #callHost(name: string, argsJson: string): Promise<string> {
    const generation = this.#generation;
    this.#hostCallsInFlight += 1;
    try {
      const reply = await this.#options.callHost(name, argsJson);
      if (!this.#output) await new Promise<void>((resolve) => this.#held.push(resolve));
      return reply;
    } finally {
      if (generation === this.#generation) this.#hostCallsInFlight -= 1;
    }
  }

  /** The prelude, compiled once per isolate. */
  #preludeScript(): ivm.Script {
    if (this.#prelude?.isolate !== this.#isolate) {
      const { limits, hostFunctionNames } = this.#options;
      const source = preludeSource({
        maxOutputChars: limits.maxOutputChars,
        hostFunctionNames,
        allowWasm: limits.allowWasm,
        allowSharedArrayBuffer: limits.allowSharedArrayBuffer,
      });
      this.#prelude = {
        isolate: this.#isolate,
        script: this.#isolate.compileScriptSync(source, { filename: 'prelude.js' }),
      };
    }
    return this.#prelude.script;
  }

  // Synchronous steps on a clean isolate: cheaper than a hop to isolated-vm's threads.
  #ensureContext(): ContextApi {
    if (this.#api) return this.#api;
    // Only a clean isolate is entered synchronously (see the top); any other is replaced.
    if (!this.#clean) this.#isolate.dispose();
    if (this.#isolate.isDisposed) this.#isolate = this.#newIsolate();
    const context = this.#isolate.createContextSync();
    const write = new ivm.Reference((stream: number, line: unknown) => {
      if (stream === PRELUDE_AWAITING) {
        this.#pollCpu?.();
        return true;
      }
      return this.#output?.write(stream, line) ?? false;
    });
    const hostCall = new ivm.Reference(
      async (name: string, argsJson: string) => await this.#callHost(name, argsJson),
    );
    const setup = this.#preludeScript().runSync(context, {
      reference: true,
      timeout: PRELUDE_TIMEOUT_MS,
    });
    const api: ivm.Reference = setup.applySync(
      undefined,
      [hostCall, write, new ivm.ExternalCopy(this.#envs).copyInto()],
      { result: { reference: true }, timeout: PRELUDE_TIMEOUT_MS },
    );
    setup.release();
    const entry = (name: string): ivm.Reference => api.getSync(name, { reference: true });
    this.#api = {
      context,
      finish: entry('finish'),
      setEnv: entry('setEnv'),
      write,
      hostCall,
      envKey: JSON.stringify(this.#envs),
    };
    api.release();
    return this.#api;
  }

  /**
   * Runs one cell. The code's own failures, its limits and a dead isolate come back as data;
   * only a failure before the code could start (no context) throws.
   */
  async run({
    code,
    timeoutMs,
    envs,
  }: {
    code: string;
    /** This execution's wall clock, when shorter than the configured one. */
    timeoutMs?: number | undefined;
    /** This execution's environment, over the session's. */
    envs?: Readonly<Record<string, string>> | undefined;
  }): Promise<RunOutcome> {
    const configured = this.#options.limits;
    const wallTimeLimitMs = Math.min(configured.wallTimeLimitMs, timeoutMs ?? Infinity);
    const limits: JsLimits = {
      ...configured,
      wallTimeLimitMs,
      cpuTimeLimitMs: Math.min(configured.cpuTimeLimitMs, wallTimeLimitMs),
    };
    this.#stop = undefined;
    this.uses += 1;
    const api = this.#ensureContext();
    const isolate = this.#isolate;
    const output = new IsolateOutput({ maxOutputChars: limits.maxOutputChars });
    this.#executionCount += 1;
    const executionCount = this.#executionCount;
    const cell = cellSource(code);
    let script: ivm.Script;
    try {
      script = isolate.compileScriptSync(cell.source, {
        filename: `cell-${String(executionCount)}.js`,
      });
    } catch (error) {
      // A syntax error: nothing ran, the isolate is as it was.
      return runOutcome({ ...this.#ending({ output, limits, executionCount }), thrown: error });
    }
    // From here on user code may run: nothing below throws.
    this.#clean = false;
    this.#output = output;
    for (const release of this.#held.splice(0)) release();
    const watch = watchRun({ isolate, limits, kill: (reason) => this.#kill(reason) });
    this.#pollCpu = watch.pollCpu;
    let finished: unknown;
    let thrown: unknown;
    try {
      finished = await this.#runCell({ api, script, finishes: cell.finishes, envs, limits });
    } catch (error) {
      thrown = error;
    } finally {
      this.#pollCpu = undefined;
      watch.stop();
      if (!isolate.isDisposed) script.release();
    }
    const settled = thrown === undefined || (!isolate.isDisposed && (await this.#settle(api)));
    this.#output = undefined;
    const disposed = isolate.isDisposed;
    // Nothing of this run is left queued: it ended on its own, or was settled after it failed.
    this.#clean = !disposed && settled;
    const outcome = runOutcome({
      ...this.#ending({ output, limits, executionCount }),
      finished,
      thrown,
      disposed,
    });
    if (disposed) this.reset();
    return outcome;
  }

  #ending({
    output,
    limits,
    executionCount,
  }: {
    output: IsolateOutput;
    limits: JsLimits;
    executionCount: number;
  }): RunEnding {
    return {
      finished: undefined,
      thrown: undefined,
      stop: this.#stop,
      disposed: false,
      output,
      limits,
      executionCount,
    };
  }

  async #runCell({
    api,
    script,
    finishes,
    envs,
    limits,
  }: {
    api: ContextApi;
    script: ivm.Script;
    finishes: CellSource['finishes'];
    envs: Readonly<Record<string, string>> | undefined;
    limits: JsLimits;
  }): Promise<unknown> {
    const wanted = envs ? { ...this.#envs, ...envs } : this.#envs;
    const envKey = JSON.stringify(wanted);
    if (envKey !== api.envKey) {
      await api.setEnv.apply(undefined, [new ivm.ExternalCopy(wanted).copyInto()], {
        timeout: limits.cpuTimeLimitMs,
      });
      api.envKey = envKey;
    }
    if (finishes) {
      // One call: the script hands its value to `finish` (awaited here when a promise).
      const finished: unknown = await script.run(api.context, {
        timeout: limits.cpuTimeLimitMs,
        promise: true,
        copy: true,
      });
      return finished;
    }
    const value = await script.run(api.context, {
      timeout: limits.cpuTimeLimitMs,
      reference: true,
    });
    try {
      // The prelude displays the value, or awaits it first when it is a thenable.
      const finished: unknown = await api.finish.apply(undefined, [value.derefInto()], {
        timeout: limits.cpuTimeLimitMs,
        result: { promise: true, copy: true },
      });
      return finished;
    } finally {
      value.release();
    }
  }

  /**
   * After a run that failed (a throw, isolated-vm's timeout): the microtasks it queued run
   * now, in this call, under a short clock, rather than in the next call's (or another
   * context's) time; and `finish` opens the output again. True when that ended cleanly.
   */
  async #settle(api: ContextApi): Promise<boolean> {
    const timer = setTimeout(() => this.#kill('cpu'), SETTLE_MS + stopGraceMs(SETTLE_MS));
    try {
      await api.finish.apply(undefined, [undefined], {
        timeout: SETTLE_MS,
        result: { copy: true },
      });
      return true;
    } catch (error) {
      // Left work that does not end: the isolate goes, and this call reports it.
      if (isIsolateTimeout(error)) this.#kill('cpu');
      // Else a rejection the run left unhandled: delivered, so nothing is left queued.
      return !this.#isolate.isDisposed;
    } finally {
      clearTimeout(timer);
    }
  }
}
