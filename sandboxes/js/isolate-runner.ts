// Runs code in one isolated-vm isolate (thread side). Limits: the isolate's heap limit, a CPU
// budget (isolated-vm's timeout for the synchronous part, then a poll of the isolate's CPU
// clock while it awaits), and a wall clock. Exceeding the last two, or an abort, disposes the
// isolate: nothing else stops a script reliably. The next call gets a new isolate.
import ivm from 'isolated-vm';
import { parseJson } from '../../core/internal/json.ts';
import type { Execution, ExecutionError, ExecutionStop } from '../../core/sandbox/execution.ts';
import {
  PRELUDE_AWAIT,
  PRELUDE_DRAIN,
  PRELUDE_ENV,
  PRELUDE_FINISH,
  PRELUDE_HOST_CALL,
  preludeSource,
} from './isolate-prelude.ts';
import type { JsLimits } from './js-sandbox-options.ts';
import { rewriteTopLevelAwait } from './top-level-await.ts';

/** Calls a host function by name with JSON arguments; resolves to a JSON reply text. */
export type HostCaller = (name: string, argsJson: string) => Promise<string>;

interface Drained {
  stdout: string[];
  stderr: string[];
  truncated: boolean;
}

interface Finished {
  pending?: true;
  ok: boolean;
  text?: string;
  json?: string;
  error?: ExecutionError;
  out: Drained;
}

type StopReason = 'cpu' | 'wall' | 'abort';

const CPU_POLL_START_MS = 20;
const CPU_POLL_INTERVAL_MS = 10;

export interface IsolateRunnerOptions {
  limits: JsLimits;
  hostFunctionNames: readonly string[];
  callHost: HostCaller;
}

/** One isolate with its current context. Not safe for two runs at once: callers serialise. */
export class IsolateRunner {
  readonly #options: IsolateRunnerOptions;
  #isolate: ivm.Isolate;
  #context: ivm.Context | undefined;
  #finish: ivm.Reference | undefined;
  #drain: ivm.Reference | undefined;
  #await: ivm.Reference | undefined;
  #prelude: { isolate: ivm.Isolate; script: ivm.Script } | undefined;
  #stop: StopReason | undefined;
  #limitsNow: JsLimits;
  #envs: Record<string, string> = {};
  #executionCount = 0;
  uses = 0;

  constructor(options: IsolateRunnerOptions) {
    this.#options = options;
    this.#limitsNow = options.limits;
    this.#isolate = this.#newIsolate();
  }

  get isDisposed(): boolean {
    return this.#isolate.isDisposed;
  }

  get heapBytes(): number {
    return this.#isolate.isDisposed ? 0 : this.#isolate.getHeapStatisticsSync().used_heap_size;
  }

  #newIsolate(): ivm.Isolate {
    return new ivm.Isolate({ memoryLimit: Math.max(8, this.#options.limits.memoryLimitMb) });
  }

  /** Sets `env` for later executions; the session's other state stays. */
  setEnvs(envs: Readonly<Record<string, string>>): void {
    this.#envs = { ...this.#envs, ...envs };
    const context = this.#context;
    if (!context || this.#isolate.isDisposed) return;
    context.global.setSync(PRELUDE_ENV, new ivm.ExternalCopy(this.#envs).copyInto());
    context.evalSync(
      `globalThis.env = Object.freeze({ ...globalThis.${PRELUDE_ENV} }); delete globalThis.${PRELUDE_ENV};`,
      { timeout: 1_000 },
    );
  }

  /** Drops the context (and the isolate if it is broken); the next run starts clean. */
  reset(): void {
    this.#releaseContext();
    if (this.#isolate.isDisposed) this.#isolate = this.#newIsolate();
    this.#executionCount = 0;
  }

  /** Builds the context ahead of the next run. */
  prepare(): void {
    this.#ensureContext();
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
    this.#finish?.release();
    this.#drain?.release();
    this.#await?.release();
    this.#context?.release();
    this.#finish = undefined;
    this.#drain = undefined;
    this.#await = undefined;
    this.#context = undefined;
  }

  /** The prelude, compiled once per isolate. */
  #preludeScript(): ivm.Script {
    if (this.#prelude?.isolate !== this.#isolate) {
      const { limits, hostFunctionNames } = this.#options;
      const source = preludeSource({
        maxOutputChars: limits.maxOutputChars,
        hostFunctionNames,
        allowWasm: limits.allowWasm,
      });
      this.#prelude = {
        isolate: this.#isolate,
        script: this.#isolate.compileScriptSync(source, { filename: 'prelude.js' }),
      };
    }
    return this.#prelude.script;
  }

  // Synchronous calls: each is a short step on this thread, cheaper than a hop to
  // isolated-vm's thread pool and back.
  #ensureContext(): ivm.Context {
    if (this.#context) return this.#context;
    if (this.#isolate.isDisposed) this.#isolate = this.#newIsolate();
    const { callHost } = this.#options;
    const context = this.#isolate.createContextSync();
    const global = context.global;
    global.setSync('globalThis', global.derefInto());
    global.setSync(PRELUDE_ENV, new ivm.ExternalCopy(this.#envs).copyInto());
    global.setSync(
      PRELUDE_HOST_CALL,
      new ivm.Reference(async (name: string, argsJson: string) => await callHost(name, argsJson)),
    );
    this.#preludeScript().runSync(context, { timeout: 1_000 });
    this.#finish = reference(context, PRELUDE_FINISH);
    this.#drain = reference(context, PRELUDE_DRAIN);
    this.#await = reference(context, PRELUDE_AWAIT);
    this.#context = context;
    return context;
  }

  /** Runs one cell. The code's own failures come back in `error`; only platform faults throw. */
  async run({
    code,
    timeoutMs,
  }: {
    code: string;
    /** This execution's wall clock, when shorter than the configured one. */
    timeoutMs?: number | undefined;
  }): Promise<Execution & { stateLost: boolean }> {
    const configured = this.#options.limits;
    const wallTimeLimitMs = Math.min(configured.wallTimeLimitMs, timeoutMs ?? Infinity);
    const limits = {
      ...configured,
      wallTimeLimitMs,
      cpuTimeLimitMs: Math.min(configured.cpuTimeLimitMs, wallTimeLimitMs),
    };
    this.#limitsNow = limits;
    this.#stop = undefined;
    this.uses += 1;
    const context = this.#ensureContext();
    const isolate = this.#isolate;
    const cpuAtStart = isolate.cpuTime;
    const cpuBudgetNs = BigInt(limits.cpuTimeLimitMs) * 1_000_000n;
    let poller: NodeJS.Timeout | undefined;
    const startPoll = setTimeout(() => {
      poller = setInterval(() => {
        if (isolate.isDisposed) return;
        if (isolate.cpuTime - cpuAtStart > cpuBudgetNs) this.#kill('cpu');
      }, CPU_POLL_INTERVAL_MS);
    }, CPU_POLL_START_MS);
    const wall = setTimeout(() => this.#kill('wall'), limits.wallTimeLimitMs);
    this.#executionCount += 1;
    const executionCount = this.#executionCount;
    let finished: Finished | undefined;
    let thrown: unknown;
    try {
      // The synchronous part runs on this thread under isolated-vm's own timeout (the CPU
      // budget); only a cell whose value is a promise goes on asynchronously, under the
      // CPU poll and the wall clock.
      const script = isolate.compileScriptSync(rewriteTopLevelAwait(code), {
        filename: `cell-${String(executionCount)}.js`,
      });
      try {
        const value = script.runSync(context, {
          timeout: limits.cpuTimeLimitMs,
          reference: true,
        });
        finished = this.#finish?.applySync(undefined, [value.derefInto()], {
          timeout: limits.cpuTimeLimitMs,
          result: { copy: true },
        }) as Finished;
        value.release();
        if (finished.pending) {
          finished = (await this.#await?.apply(undefined, [], {
            result: { promise: true, copy: true },
          })) as Finished;
        }
      } finally {
        script.release();
      }
    } catch (error) {
      thrown = error;
    } finally {
      clearTimeout(startPoll);
      clearTimeout(wall);
      if (poller) clearInterval(poller);
    }
    return this.#outcome({ finished, thrown, executionCount });
  }

  #outcome({
    finished,
    thrown,
    executionCount,
  }: {
    finished: Finished | undefined;
    thrown: unknown;
    executionCount: number;
  }): Execution & { stateLost: boolean } {
    const disposed = this.#isolate.isDisposed;
    const drained: Drained = finished?.out ?? this.#drainAfterFailure(disposed);
    const execution: Execution & { stateLost: boolean } = {
      results: [],
      logs: { stdout: drained.stdout, stderr: drained.stderr },
      error: null,
      executionCount,
      stateLost: disposed,
    };
    if (drained.truncated) execution.truncated = true;
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    const timedOut =
      this.#stop === 'cpu' ||
      this.#stop === 'wall' ||
      /^Script execution timed out\.?$/.test(message);
    if (finished?.ok) {
      if (finished.text !== undefined) {
        execution.results.push({
          text: finished.text,
          ...(finished.json === undefined ? {} : { json: parseJson(finished.json) }),
          isMainResult: true,
        });
      }
    } else if (finished?.error) {
      execution.error = finished.error;
    } else if (this.#stop === 'abort') {
      execution.error = { name: 'Aborted', value: 'the execution was aborted', traceback: '' };
    } else if (timedOut) {
      const stop: ExecutionStop = disposed ? 'restarted' : 'interrupted';
      execution.timedOut = stop;
      const what = this.#stop === 'wall' ? 'wall-clock' : 'CPU-time';
      const limit =
        this.#stop === 'wall' ? this.#limitsNow.wallTimeLimitMs : this.#limitsNow.cpuTimeLimitMs;
      execution.error = {
        name: 'TimeoutError',
        value: `the execution passed its ${what} limit of ${String(limit)} ms`,
        traceback: '',
      };
    } else if (disposed) {
      execution.error = {
        name: 'RangeError',
        value: `the execution passed its memory limit of ${String(this.#options.limits.memoryLimitMb)} MB`,
        traceback: message,
      };
    } else {
      execution.error = describeThrown(thrown);
    }
    if (disposed) this.reset();
    return execution;
  }

  #drainAfterFailure(disposed: boolean): Drained {
    if (disposed || !this.#drain) return { stdout: [], stderr: [], truncated: false };
    try {
      return this.#drain.applySync(undefined, [], {
        timeout: 1_000,
        result: { copy: true },
      }) as Drained;
    } catch {
      return { stdout: [], stderr: [], truncated: false };
    }
  }
}

/** The stack as the code saw it: frames past isolated-vm's boundary are the host's. */
function sandboxStack(stack: string): string {
  const lines = stack.split('\n');
  const boundary = lines.findIndex((line) => line.includes('<isolated-vm boundary>'));
  return (boundary === -1 ? lines : lines.slice(0, boundary)).join('\n');
}

function describeThrown(thrown: unknown): ExecutionError {
  if (thrown instanceof Error) {
    return {
      name: thrown.name,
      value: thrown.message,
      traceback: sandboxStack(thrown.stack ?? thrown.message),
    };
  }
  return { name: 'Uncaught', value: String(thrown), traceback: `Uncaught ${String(thrown)}` };
}

function reference(context: ivm.Context, name: string): ivm.Reference {
  const value: ivm.Reference = context.global.getSync(name, { reference: true });
  return value;
}
