// An in-memory Sandbox for unit tests of what uses sandboxes (tools, workers): it keeps the
// whole Sandbox contract (tests/unit/core/sandbox/fake-sandbox-contract.test.ts proves it)
// and runs the small line language of fake-sandbox-script.ts instead of Python.
import { randomUUID } from 'node:crypto';
import type {
  CreateSandboxOptions,
  Execution,
  FileInfo,
  FileListing,
  ListFilesOptions,
  ReadFileOptions,
  RunCodeOptions,
  Sandbox,
  SandboxInfo,
  SandboxProvider,
  WriteFileOptions,
} from '../../core/index.ts';
import {
  AbortedError,
  DEFAULT_EXECUTION_TIMEOUT_MS,
  checkListPath,
  checkTimeoutMs,
  InvalidArgumentError,
  MAX_LISTED_FILES,
  onAbort,
  raceDeadline,
  SandboxClosedError,
  throwIfAborted,
} from '../../core/index.ts';
import type { MaybePromise } from '../../core/internal/maybe-promise.ts';
import type { ContractLanguage } from '../support/sandbox-contract-options.ts';
import type { FakeScriptState, FakeStop } from './fake-sandbox-script.ts';
import { FakeOutput, runFakeScript } from './fake-sandbox-script.ts';

/** Output kept per execution when the provider sets no cap. */
export const DEFAULT_FAKE_MAX_OUTPUT_BYTES = 100_000;

/** The fake's snippets for the contract suite. */
export const FAKE_SCRIPT_LANGUAGE: ContractLanguage = {
  setVar: ({ name, value }) => `set ${name} ${value}`,
  printVar: (name) => `get ${name}`,
  print: (text) => `print ${text}`,
  spin: (marker) => `print ${marker}\nspin`,
  raise: (message) => `raise ValueError ${message}`,
  raisedName: 'ValueError',
  printEnv: (name) => `env ${name}`,
  flood: (bytes) => `flood ${bytes}`,
  loseState: 'lose-state',
  files: {
    printFile: (path) => `cat ${path}`,
    writeText: ({ path, text }) => `write ${path} ${text}`,
  },
};

export class FakeSandbox implements Sandbox {
  readonly id = `fake-${randomUUID()}`;
  readonly sessionId: string | undefined;
  readonly createdAt = Date.now();
  /** The code of every execution that ran, in order. */
  readonly ran: string[] = [];
  readonly #maxOutputBytes: number;
  readonly #onClose: () => void;
  readonly #state: FakeScriptState = { vars: new Map(), files: new Map() };
  #envs: Record<string, string> = {};
  #executionCount = 0;
  #closed = false;
  #busy = false;
  #tail: Promise<unknown> = Promise.resolve();
  #stopRunning: ((stop: FakeStop) => void) | undefined;
  #idleLoss = false;

  constructor({
    sessionId,
    maxOutputBytes = DEFAULT_FAKE_MAX_OUTPUT_BYTES,
    onClose = () => undefined,
  }: { sessionId?: string | undefined; maxOutputBytes?: number; onClose?: () => void } = {}) {
    this.sessionId = sessionId;
    this.#maxOutputBytes = maxOutputBytes;
    this.#onClose = onClose;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get busy(): boolean {
    return this.#busy;
  }

  /** As a kernel that dies between calls: the next runCode reports it and does not run its code. */
  loseStateWhileIdle(): void {
    this.#state.vars.clear();
    this.#idleLoss = true;
  }

  async runCode(options: RunCodeOptions): Promise<Execution> {
    if (typeof options.code !== 'string')
      throw new InvalidArgumentError({ message: 'code must be a string' });
    const { timeoutMs } = options;
    if (timeoutMs !== undefined) checkTimeoutMs(timeoutMs);
    return await this.#exclusive(() => this.#run(options));
  }

  async writeFile({ path, data, signal }: WriteFileOptions): Promise<void> {
    await this.#exclusive(() => {
      throwIfAborted(signal, 'writeFile');
      if (path === '') throw new InvalidArgumentError({ message: 'writeFile needs a path' });
      this.#state.files.set(
        path,
        typeof data === 'string' ? new TextEncoder().encode(data) : data.slice(),
      );
      return Promise.resolve();
    });
  }

  async readFile({ path, signal }: ReadFileOptions): Promise<Uint8Array> {
    return await this.#exclusive(() => {
      throwIfAborted(signal, 'readFile');
      const data = this.#state.files.get(path);
      if (!data) throw new InvalidArgumentError({ message: `read_file failed: no file ${path}` });
      return Promise.resolve(data.slice());
    });
  }

  /** Over the in-memory files: a directory is there while a file is under it (the working directory always is). */
  async listFiles({ path, signal }: ListFilesOptions = {}): Promise<FileListing> {
    const directory = checkListPath(path);
    return await this.#exclusive(() => {
      throwIfAborted(signal, 'listFiles');
      const prefix = directory === '' ? '' : `${directory}/`;
      const listed: FileInfo[] = [];
      for (const [name, data] of this.#state.files) {
        const listedPath = fakePath(name);
        if (listedPath === directory)
          throw new InvalidArgumentError({ message: `list_files failed: ${directory} is a file` });
        if (listedPath?.startsWith(prefix))
          listed.push({ path: listedPath, sizeBytes: data.length });
      }
      listed.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
      if (directory !== '' && listed.length === 0)
        throw new InvalidArgumentError({ message: `list_files failed: no directory ${directory}` });
      return Promise.resolve({
        files: listed.slice(0, MAX_LISTED_FILES),
        truncated: listed.length > MAX_LISTED_FILES,
      });
    });
  }

  async setEnvs({
    envs,
    signal,
  }: {
    envs: Readonly<Record<string, string>>;
    signal?: AbortSignal;
  }) {
    await this.#exclusive(() => {
      throwIfAborted(signal, 'setEnvs');
      this.#envs = { ...this.#envs, ...envs };
      return Promise.resolve();
    });
  }

  async interrupt(): Promise<void> {
    this.#assertOpen();
    await Promise.resolve(this.#stopRunning?.('interrupt'));
  }

  async restart({ signal }: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#exclusive(() => {
      throwIfAborted(signal, 'The restart');
      this.#state.vars.clear();
      this.#idleLoss = false;
      this.#executionCount = 0;
      return Promise.resolve();
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopRunning?.('close');
    this.#onClose();
    await Promise.resolve();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #run({
    code,
    timeoutMs = DEFAULT_EXECUTION_TIMEOUT_MS,
    signal,
    envs,
    onError,
    ...callbacks
  }: RunCodeOptions): Promise<Execution> {
    throwIfAborted(signal, 'The execution');
    const executionCount = ++this.#executionCount;
    const output = new FakeOutput({
      maxOutputBytes: this.#maxOutputBytes,
      callbacks,
    });
    const execution = (fields: Partial<Execution>): Execution => ({
      results: output.results,
      logs: { stdout: output.stdout, stderr: output.stderr },
      error: null,
      executionCount,
      ...fields,
    });
    if (this.#idleLoss) {
      this.#idleLoss = false;
      const value =
        'The kernel died while idle after the previous call; its state is lost. This code was not run; a fresh kernel is ready.';
      const error = { name: 'KernelDied', value, traceback: '' };
      await onError?.(error);
      return execution({ error, stateLost: true });
    }
    this.ran.push(code);
    const stop = Promise.withResolvers<FakeStop>();
    this.#stopRunning = stop.resolve;
    const timer = Number.isFinite(timeoutMs)
      ? setTimeout(() => stop.resolve('timeout'), timeoutMs)
      : undefined;
    const removeAbort = onAbort(signal, () => stop.resolve('abort'));
    try {
      const end = await runFakeScript({
        code,
        state: this.#state,
        envs: { ...this.#envs, ...envs },
        output,
        stopped: stop.promise,
      });
      if (end.stoppedBy === 'close' || this.#closed)
        throw new SandboxClosedError({ message: `Sandbox ${this.id} was closed while it ran` });
      if (end.stoppedBy === 'abort' || signal?.aborted)
        throw new AbortedError({
          message: 'The execution was aborted; it was interrupted',
          cause: signal?.reason,
        });
      const truncated = output.finish();
      const error =
        end.stoppedBy === 'timeout'
          ? {
              name: 'TimeoutError',
              value: `The execution exceeded ${timeoutMs} ms: it was interrupted; its state is kept`,
              traceback: '',
            }
          : end.stoppedBy === 'interrupt'
            ? { name: 'KeyboardInterrupt', value: 'The execution was interrupted', traceback: '' }
            : end.error;
      if (error) await onError?.(error);
      return execution({
        error,
        ...(truncated ? { truncated } : {}),
        ...(end.stoppedBy === 'timeout' ? { timedOut: 'interrupted' as const } : {}),
        ...(end.stateLost ? { stateLost: true } : {}),
      });
    } finally {
      clearTimeout(timer);
      removeAbort();
      this.#stopRunning = undefined;
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new SandboxClosedError({ message: `Sandbox ${this.id} is closed` });
  }

  /** One operation at a time, in call order; each checks at its turn that the sandbox is open. */
  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    this.#assertOpen();
    const run = this.#tail.then(async () => {
      this.#assertOpen();
      this.#busy = true;
      try {
        return await operation();
      } finally {
        this.#busy = false;
      }
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }
}

/** A stored file's name as listFiles gives it (normalised), or undefined for one outside the working directory. */
function fakePath(name: string): string | undefined {
  try {
    return checkListPath(name) || undefined;
  } catch {
    return undefined;
  }
}

export interface FakeSandboxProviderOptions {
  /** @default DEFAULT_FAKE_MAX_OUTPUT_BYTES */
  maxOutputBytes?: number;
  /** Runs in each `create`, before the sandbox exists: a test holds or fails a start here. */
  onCreate?: (options: CreateSandboxOptions) => MaybePromise<void>;
}

/** Makes FakeSandboxes; `created` keeps every one, in order, for tests to inspect. */
export class FakeSandboxProvider implements SandboxProvider {
  readonly created: FakeSandbox[] = [];
  readonly #open = new Set<FakeSandbox>();
  readonly #options: FakeSandboxProviderOptions;
  #closed = false;

  constructor(options: FakeSandboxProviderOptions = {}) {
    this.#options = options;
  }

  async create(options: CreateSandboxOptions = {}): Promise<FakeSandbox> {
    const { sessionId, signal } = options;
    if (this.#closed) throw new SandboxClosedError({ message: 'The fake provider is closed' });
    throwIfAborted(signal, 'Starting the sandbox');
    const started = await raceDeadline({
      promise: Promise.resolve(this.#options.onCreate?.(options)),
      signal,
    });
    if (started.kind === 'abort')
      throw new AbortedError({
        message: 'Starting the sandbox was aborted',
        cause: started.reason,
      });
    if (started.kind === 'error') throw started.error;
    const sandbox: FakeSandbox = new FakeSandbox({
      sessionId,
      ...(this.#options.maxOutputBytes === undefined
        ? {}
        : { maxOutputBytes: this.#options.maxOutputBytes }),
      onClose: () => this.#open.delete(sandbox),
    });
    this.created.push(sandbox);
    this.#open.add(sandbox);
    return sandbox;
  }

  list(): SandboxInfo[] {
    return [...this.#open].map((sandbox) => ({
      id: sandbox.id,
      sessionId: sandbox.sessionId,
      createdAt: sandbox.createdAt,
      busy: sandbox.busy,
    }));
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#open].map((sandbox) => sandbox.close()));
  }
}
