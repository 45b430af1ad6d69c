import type { MaybePromise } from '../internal/maybe-promise.ts';
import type { Execution, ExecutionError, ExecutionResult } from './execution.ts';

/** Per-execution time limit used when none is given. */
export const DEFAULT_EXECUTION_TIMEOUT_MS = 60_000;

export interface OutputMessage {
  line: string;
  /** Epoch milliseconds. */
  timestamp: number;
  error: boolean;
}

export interface RunCodeOptions {
  code: string;
  /** @default DEFAULT_EXECUTION_TIMEOUT_MS */
  timeoutMs?: number;
  /** Aborting interrupts the running code (and restarts the kernel if it will not stop). */
  signal?: AbortSignal;
  /** Environment variables for this execution only. */
  envs?: Readonly<Record<string, string>>;
  onStdout?: (output: OutputMessage) => MaybePromise<void>;
  onStderr?: (output: OutputMessage) => MaybePromise<void>;
  onResult?: (result: ExecutionResult) => MaybePromise<void>;
  onError?: (error: ExecutionError) => MaybePromise<void>;
}

export interface WriteFileOptions {
  path: string;
  data: string | Uint8Array;
  signal?: AbortSignal;
}

export interface ReadFileOptions {
  path: string;
  signal?: AbortSignal;
}

/**
 * A running, isolated interpreter session: what tools see. Lifecycle beyond `close()`
 * (creating, pooling, listing) belongs to the SandboxProvider.
 */
export interface Sandbox extends AsyncDisposable {
  readonly id: string;
  /** Runs code. A failure of the code is `Execution.error`; only platform failures throw. */
  runCode(options: RunCodeOptions): Promise<Execution>;
  writeFile(options: WriteFileOptions): Promise<void>;
  readFile(options: ReadFileOptions): Promise<Uint8Array>;
  /** Sets environment variables for every later execution. */
  setEnvs(options: { envs: Readonly<Record<string, string>>; signal?: AbortSignal }): Promise<void>;
  /** Interrupts the running execution, if any. */
  interrupt(): Promise<void>;
  /** Restarts the interpreter: all state is lost. */
  restart(options?: { signal?: AbortSignal }): Promise<void>;
  close(): Promise<void>;
}

export interface CreateSandboxOptions {
  /** Labels the session; providers may reuse it to find the session again. */
  sessionId?: string;
  signal?: AbortSignal;
}

export interface SandboxInfo {
  id: string;
  sessionId: string | undefined;
  createdAt: number;
  busy: boolean;
}

/** Creates and tracks sandboxes. Implementations live in `sandboxes/`. */
export interface SandboxProvider {
  create(options?: CreateSandboxOptions): Promise<Sandbox>;
  list(): MaybePromise<SandboxInfo[]>;
  /** Closes every sandbox this provider made. */
  close(): Promise<void>;
}
