import { InvalidArgumentError } from '../errors/invalid-argument-error.ts';
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
  /**
   * The deadline: when it passes the code is stopped and the result has `timedOut` and a
   * `TimeoutError` (nothing is thrown). A number above 0; a provider may cap it lower.
   * @default DEFAULT_EXECUTION_TIMEOUT_MS
   */
  timeoutMs?: number;
  /**
   * Aborting (before or during the call) stops the code (interrupt, or restart if it will
   * not stop) and `runCode` throws AbortedError; the session serves its next call.
   */
  signal?: AbortSignal;
  /** Environment variables for this execution only, over those of `setEnvs`. */
  envs?: Readonly<Record<string, string>>;
  /** Called for each piece of output, in order, before `runCode` settles (as it arrives where the backend streams). */
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

/** The most files one `listFiles` call returns; past it the listing is cut and flagged. */
export const MAX_LISTED_FILES = 1000;

export interface ListFilesOptions {
  /**
   * The directory to list, relative to the working directory ('/' separated). An absolute
   * path or a `..` segment is InvalidArgumentError.
   * @default the working directory
   */
  path?: string;
  signal?: AbortSignal;
}

export interface FileInfo {
  /** Relative to the working directory (not to the listed directory), '/' separated. */
  path: string;
  sizeBytes: number;
}

export interface FileListing {
  /**
   * The regular files under the directory, at any depth, sorted by path (code point order).
   * At most MAX_LISTED_FILES: past it these are the first ones in that order.
   */
  files: FileInfo[];
  /** More files were there than `files` holds (a backend may also cut a listing too large to send). */
  truncated: boolean;
}

/** What a session's sandbox is running on and how much memory it holds, as read at one moment. */
export interface SandboxStats {
  /** What isolates it: 'runc', 'runsc' (gVisor), 'isolated-vm', ... */
  runtime: string;
  /** Memory in use now; null where the runtime does not report it. */
  memoryBytes: number | null;
  /** The most memory it may use; null where there is none or it is not known. */
  memoryLimitBytes: number | null;
  /** Processes (or threads) running in it; null where the runtime cannot count them. */
  pids?: number | null;
}

/**
 * Checks `ListFilesOptions.path` and returns it normalised: '' for the working directory,
 * else its segments joined by '/' (no empty or '.' segment). Every backend checks it the
 * same way, so an absolute path or a `..` segment is InvalidArgumentError everywhere.
 */
export function checkListPath(path: string | undefined): string {
  if (path === undefined) return '';
  if (typeof path !== 'string' || path.includes('\0'))
    throw new InvalidArgumentError({ message: 'path must be a string without NUL bytes' });
  const segments = path.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (path.startsWith('/') || segments.includes('..'))
    throw new InvalidArgumentError({
      message: `${path} is outside the working directory: give a path relative to it, without '..'`,
    });
  return segments.join('/');
}

/**
 * A running, isolated interpreter session: what tools see. Lifecycle beyond `close()`
 * (creating, pooling, listing) belongs to the SandboxProvider. Every implementation keeps
 * this contract (docs/sandboxes.md, "The Sandbox contract"; tests/support/sandbox-contract.ts):
 *
 * - State (variables, imports) persists between the calls of one session, never across sessions.
 * - One operation at a time: concurrent calls (of any method but `interrupt` and `close`)
 *   queue, run and settle in call order.
 * - A failure of the code is data (`Execution.error`); a failure of the platform throws a
 *   typed PlatformError (core/errors); invalid options throw InvalidArgumentError.
 * - Output past a cap is cut, flagged (`truncated`) and noticed in `logs.stderr`, never
 *   silently dropped.
 * - A call that loses the state says so (`Execution.stateLost`), once.
 * - After `close()` every method rejects with SandboxClosedError.
 */
export interface Sandbox extends AsyncDisposable {
  readonly id: string;
  /** Runs code. A failure of the code is `Execution.error`; only platform failures throw. */
  runCode(options: RunCodeOptions): Promise<Execution>;
  /**
   * Writes a file the code can open (paths relative to its working directory). A sandbox
   * without a file system rejects with InvalidArgumentError.
   */
  writeFile(options: WriteFileOptions): Promise<void>;
  /** Reads a file the code wrote; a missing file is InvalidArgumentError. */
  readFile(options: ReadFileOptions): Promise<Uint8Array>;
  /**
   * Lists the regular files under `path` (default the working directory), recursively,
   * with their sizes; symbolic links are neither listed nor followed. At most
   * MAX_LISTED_FILES, then `truncated`. A missing directory (or a file) is
   * InvalidArgumentError, as is a path outside the working directory. A sandbox without a
   * file system rejects with InvalidArgumentError.
   */
  listFiles(options?: ListFilesOptions): Promise<FileListing>;
  /**
   * Optional: the runtime and memory use of the sandbox now. It waits its turn as the other
   * calls do, and is not a use of the session (its idle time goes on).
   */
  stats?(options?: { signal?: AbortSignal }): Promise<SandboxStats>;
  /** Sets environment variables for every later execution; they survive `restart()`. */
  setEnvs(options: { envs: Readonly<Record<string, string>>; signal?: AbortSignal }): Promise<void>;
  /**
   * Stops the running execution, if any, without waiting its turn: that call resolves with
   * an `error` (and `stateLost` when stopping it cost the state). Idle, it does nothing.
   */
  interrupt(): Promise<void>;
  /** Restarts the interpreter: all state is lost (and is not reported as lost by the next call). */
  restart(options?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Ends the session: the running and queued calls reject with SandboxClosedError, as every
   * later call does. Idempotent.
   */
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

/**
 * One run on fresh state (`SandboxProvider.runFresh`): a pristine interpreter that sees
 * nothing any earlier run left (files, processes, environment, module state, output).
 * The outcome has the Execution shape; output arrives with it, at the end.
 */
export type FreshRunOptions = Pick<
  RunCodeOptions,
  'code' | 'timeoutMs' | 'signal' | 'envs' | 'onStdout' | 'onStderr' | 'onResult' | 'onError'
> & {
  /** Memory the run may allocate, on top of the preloaded interpreter. @default the provider's memoryMb */
  memoryMb?: number;
  /**
   * Output (stdout and stderr) the run keeps; the rest is dropped and counted, as past the
   * provider's own limit. Never more than that limit. @default the provider's maxOutputBytes
   */
  maxOutputBytes?: number;
};

/** Creates and tracks sandboxes. Implementations live in `sandboxes/`. */
export interface SandboxProvider {
  create(options?: CreateSandboxOptions): Promise<Sandbox>;
  /**
   * Runs code on fresh state, without a session (evaluation at scale). Optional: a provider
   * without it cannot serve `fresh` run-code jobs. A failure of the code is data.
   */
  runFresh?(options: FreshRunOptions): Promise<Execution>;
  list(): MaybePromise<SandboxInfo[]>;
  /** Closes every sandbox this provider made. */
  close(): Promise<void>;
}
