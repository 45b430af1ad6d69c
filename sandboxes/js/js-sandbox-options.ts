import { availableParallelism } from 'node:os';
import type { MaybePromise } from '../../core/internal/maybe-promise.ts';

/** V8 heap limit of each isolate (isolated-vm's `memoryLimit`; its minimum is 8). */
export const DEFAULT_JS_MEMORY_LIMIT_MB = 64;
/** CPU time one execution may use. */
export const DEFAULT_JS_CPU_TIME_LIMIT_MS = 5_000;
/** Wall-clock time one execution may take, awaits included (a promise that never settles). */
export const DEFAULT_JS_WALL_TIME_LIMIT_MS = 10_000;
/**
 * Console output kept per execution, in characters (also the cap on the text and JSON of the
 * cell's value); the rest is cut, `truncated` set and a notice added to stderr.
 */
export const DEFAULT_JS_MAX_OUTPUT_CHARS = 1_000_000;
/** Idle isolates a thread keeps ready for fresh (stateless) executions. */
export const DEFAULT_JS_FRESH_ISOLATES_PER_THREAD = 4;
/** A fresh-execution isolate is replaced after this many uses, so its heap never grows old. */
export const DEFAULT_JS_ISOLATE_REUSE = 1_000;

/** A function the owner lets sandboxed code call as `host.<name>(...args)`; JSON in, JSON out. */
export type HostFunction = (...args: unknown[]) => MaybePromise<unknown>;

export interface JsLimits {
  /** @default DEFAULT_JS_MEMORY_LIMIT_MB */
  memoryLimitMb: number;
  /** @default DEFAULT_JS_CPU_TIME_LIMIT_MS */
  cpuTimeLimitMs: number;
  /** @default DEFAULT_JS_WALL_TIME_LIMIT_MS */
  wallTimeLimitMs: number;
  /** @default DEFAULT_JS_MAX_OUTPUT_CHARS */
  maxOutputChars: number;
  /**
   * WebAssembly memory lives outside the isolate's heap limit, so it is removed unless allowed.
   * @default false
   */
  allowWasm: boolean;
  /**
   * SharedArrayBuffer and Atomics.waitAsync (a timer on shared memory) are removed unless
   * allowed; Atomics.wait is always removed (it would block the isolate's thread). With
   * `allowWasm`, shared WebAssembly memory still gives a SharedArrayBuffer.
   * @default false
   */
  allowSharedArrayBuffer: boolean;
}

export const DEFAULT_JS_LIMITS: JsLimits = {
  memoryLimitMb: DEFAULT_JS_MEMORY_LIMIT_MB,
  cpuTimeLimitMs: DEFAULT_JS_CPU_TIME_LIMIT_MS,
  wallTimeLimitMs: DEFAULT_JS_WALL_TIME_LIMIT_MS,
  maxOutputChars: DEFAULT_JS_MAX_OUTPUT_CHARS,
  allowWasm: false,
  allowSharedArrayBuffer: false,
};

export interface JsSandboxProviderOptions {
  /** Threads of the pool in the host process. @default the number of CPUs */
  threads?: number;
  limits?: Partial<JsLimits>;
  /** Functions the code may call as `host.<name>()`. They run in this process, not the child. */
  hostFunctions?: Readonly<Record<string, HostFunction>>;
  /** @default DEFAULT_JS_FRESH_ISOLATES_PER_THREAD */
  freshIsolatesPerThread?: number;
  /** @default DEFAULT_JS_ISOLATE_REUSE */
  isolateReuse?: number;
}

export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}
