import { randomUUID } from 'node:crypto';
import type {
  Execution,
  ExecutionError,
  ReadFileOptions,
  RunCodeOptions,
  Sandbox,
  WriteFileOptions,
} from '../../core/index.ts';
import {
  AbortedError,
  DEFAULT_EXECUTION_TIMEOUT_MS,
  InvalidArgumentError,
  SandboxClosedError,
  SandboxCrashedError,
} from '../../core/index.ts';
import type { ContainerEvent, ContainerHandle } from './container-launcher.ts';
import { removeContainer } from './container-launcher.ts';
import type { DriverCommand } from './driver-frames.ts';
import type { ResolvedDockerSandboxOptions } from './docker-sandbox-options.ts';
import { ExecutionCollector } from './execution-collector.ts';
import type { Outcome, Waiter } from './execution-outcome.ts';
import { executionWaiter } from './execution-outcome.ts';
import { Deferred, settleWithin } from './deferred.ts';
import { enforceDeadline } from './deadline.ts';
import { describeKernelDeath, describeTimeout } from './execution-errors.ts';

/** What a sandbox needs from its provider. */
export interface SandboxEngine {
  readonly options: ResolvedDockerSandboxOptions;
  /** A ready container for this session: from the warm pool, or new. */
  acquireContainer(options: {
    sessionId: string | undefined;
    signal?: AbortSignal | undefined;
  }): Promise<ContainerHandle>;
  /** Whether the engine reported the container out of memory since `sinceMs` (waits briefly for the event). */
  wasOutOfMemory(options: { container: string; sinceMs: number }): Promise<boolean>;
  /** Called once when the sandbox closes. */
  released(sandbox: DockerSandbox): void;
}

/**
 * One session: a Jupyter kernel in a hardened container, reached through the driver.
 * Executions run one at a time; the deadline of each is enforced here, from outside the
 * container: interrupt, then restart the kernel, then kill and replace the container.
 */
export class DockerSandbox implements Sandbox {
  readonly id: string = randomUUID();
  readonly sessionId: string | undefined;
  readonly createdAt = Date.now();
  lastUsedAt = Date.now();
  #busy = false;
  #closed = false;
  #handle: ContainerHandle | undefined;
  #replacing: Promise<ContainerHandle> | undefined;
  #kernelReady = new Deferred<void>();
  #nextId = 1;
  readonly #waiters = new Map<number, Waiter>();
  readonly #engine: SandboxEngine;
  #tail: Promise<unknown> = Promise.resolve();

  constructor({
    engine,
    handle,
    sessionId,
  }: {
    engine: SandboxEngine;
    handle: ContainerHandle;
    sessionId?: string | undefined;
  }) {
    this.#engine = engine;
    this.sessionId = sessionId;
    this.#adopt(handle);
  }

  /** The current container's name (it changes when a container had to be replaced). */
  get containerName(): string | undefined {
    return this.#handle?.name;
  }

  get busy(): boolean {
    return this.#busy;
  }

  get closed(): boolean {
    return this.#closed;
  }

  runCode(options: RunCodeOptions): Promise<Execution> {
    return this.#exclusive(() => this.#run(options));
  }

  async writeFile({ path, data, signal }: WriteFileOptions): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    if (bytes.length > this.#engine.options.maxFileBytes) {
      throw new InvalidArgumentError({
        message: `${path} is larger than maxFileBytes (${this.#engine.options.maxFileBytes})`,
      });
    }
    await this.#exclusive(() =>
      this.#request({ op: 'write_file', id: 0, path, data: bytes.toString('base64') }, signal),
    );
  }

  async readFile({ path, signal }: ReadFileOptions): Promise<Uint8Array> {
    const max = this.#engine.options.maxFileBytes;
    const data = await this.#exclusive(() =>
      this.#request({ op: 'read_file', id: 0, path, maxBytes: max }, signal),
    );
    const bytes = Buffer.from(data ?? '', 'base64');
    if (bytes.length > max)
      throw new SandboxCrashedError({
        message: `${path}: the sandbox sent more than ${max} bytes`,
      });
    return new Uint8Array(bytes);
  }

  async setEnvs({
    envs,
    signal,
  }: {
    envs: Readonly<Record<string, string>>;
    signal?: AbortSignal;
  }): Promise<void> {
    await this.#exclusive(() => this.#request({ op: 'set_env', id: 0, env: { ...envs } }, signal));
  }

  interrupt(): Promise<void> {
    this.#assertOpen();
    this.#handle?.connection.send({ op: 'interrupt' });
    return Promise.resolve();
  }

  async restart({ signal }: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#exclusive(async () => {
      if (!(await this.#restartKernel())) await this.#replaceContainer();
      signal?.throwIfAborted();
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#lost('the sandbox was closed');
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle) {
      handle.connection.destroy();
      await removeContainer(handle.container);
    }
    this.#engine.released(this);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // -- executions ---------------------------------------------------------------------------

  async #run({
    code,
    timeoutMs = DEFAULT_EXECUTION_TIMEOUT_MS,
    signal,
    envs,
    ...callbacks
  }: RunCodeOptions): Promise<Execution> {
    if (signal?.aborted)
      throw new AbortedError({ message: 'The execution was aborted before it started' });
    const handle = await this.#readyContainer(signal);
    const startedAt = Date.now();
    const id = this.#nextId++;
    const collector = new ExecutionCollector({
      maxOutputBytes: this.#engine.options.maxOutputBytes,
      callbacks,
    });
    const outcome = new Deferred<Outcome>();
    this.#waiters.set(id, executionWaiter({ collector, outcome }));
    try {
      handle.connection.send({
        op: 'execute',
        id,
        code,
        maxOutputBytes: this.#engine.options.maxOutputBytes,
        ...(envs ? { env: { ...envs } } : {}),
      });
      const stopped = await enforceDeadline({
        done: outcome.promise,
        timeoutMs,
        signal,
        interruptGraceMs: this.#engine.options.interruptGraceMs,
        interrupt: () => void this.#handle?.connection.send({ op: 'interrupt' }),
        restartKernel: () => this.#restartKernel(),
        replaceContainer: async () => void (await this.#replaceContainer()),
      });
      if (stopped === 'restarted' || stopped === 'killed') outcome.resolve({ kind: 'end' });
      const result = await outcome.promise;
      if (result.kind === 'died' || result.kind === 'lost') {
        collector.setError(await this.#failure({ result, handle, startedAt }));
      } else if (stopped) {
        collector.setError(
          describeTimeout({
            stopped,
            timeoutMs,
            aborted: signal?.aborted ?? false,
            kernelError: collector.execution.error,
          }),
        );
      }
      if (signal?.aborted)
        throw new AbortedError({
          message: `The execution was aborted; the kernel was ${stopped ?? 'stopped'}`,
        });
      return collector.finish(stopped ? { timedOut: stopped } : {});
    } finally {
      this.#waiters.delete(id);
    }
  }

  /** The error for a kernel that died or a container that was lost, naming the cause. */
  async #failure({
    result,
    handle,
    startedAt,
  }: {
    result: Extract<Outcome, { kind: 'died' | 'lost' }>;
    handle: ContainerHandle;
    startedAt: number;
  }): Promise<ExecutionError> {
    const outOfMemory = await this.#engine.wasOutOfMemory({
      container: handle.name,
      sinceMs: startedAt,
    });
    if (result.kind === 'lost') {
      // The container itself is gone (the driver exited, gVisor ran out of memory, or the
      // driver broke the protocol): a fresh one is started for the next call.
      void this.#replaceContainer().catch(() => undefined);
    }
    return describeKernelDeath({
      memoryMb: this.#engine.options.memoryMb,
      outOfMemory,
      ...(result.kind === 'died'
        ? { code: result.code, signal: result.signal }
        : { lostReason: result.reason }),
    });
  }

  // -- driver requests ----------------------------------------------------------------------

  async #request(
    command: Extract<DriverCommand, { id: number }>,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    signal?.throwIfAborted();
    const handle = await this.#readyContainer(signal);
    const id = this.#nextId++;
    const answer = new Deferred<{ data?: string; error?: string }>();
    this.#waiters.set(id, (event) => {
      if (event.type !== 'frame') answer.resolve({ error: 'the sandbox container stopped' });
      else if (event.frame.t === 'ok') answer.resolve({});
      else if (event.frame.t === 'file') answer.resolve({ data: event.frame.data });
      else if (event.frame.t === 'fail') answer.resolve({ error: event.frame.message });
    });
    try {
      handle.connection.send({ ...command, id });
      if (
        !(await settleWithin({
          promises: [answer.promise],
          timeoutMs: this.#engine.options.restartGraceMs,
        }))
      ) {
        await this.#replaceContainer();
        throw new SandboxCrashedError({
          message: `The sandbox did not answer ${command.op}; it was replaced`,
        });
      }
      const { data, error } = await answer.promise;
      if (error !== undefined)
        throw new InvalidArgumentError({
          message: `${command.op} failed in the sandbox: ${error}`,
        });
      return data;
    } finally {
      this.#waiters.delete(id);
    }
  }

  /** Asks the driver for a fresh kernel; false if it does not report one in time. */
  async #restartKernel(): Promise<boolean> {
    const handle = this.#handle;
    if (!handle?.alive) return false;
    const id = this.#nextId++;
    const ready = new Deferred<void>();
    this.#waiters.set(id, (event) => {
      if (event.type === 'frame' && event.frame.t === 'ready') ready.resolve();
    });
    try {
      this.#kernelReady = new Deferred<void>();
      handle.connection.send({ op: 'restart', id });
      return await settleWithin({
        promises: [ready.promise],
        timeoutMs: this.#engine.options.restartGraceMs,
      });
    } finally {
      this.#waiters.delete(id);
    }
  }

  // -- the container -------------------------------------------------------------------------

  async #readyContainer(signal?: AbortSignal): Promise<ContainerHandle> {
    this.#assertOpen();
    let handle = this.#handle?.alive ? this.#handle : await this.#replaceContainer(signal);
    if (
      !this.#kernelReady.settled &&
      !(await settleWithin({
        promises: [this.#kernelReady.promise],
        timeoutMs: this.#engine.options.restartGraceMs,
      }))
    ) {
      handle = await this.#replaceContainer(signal);
    }
    this.lastUsedAt = Date.now();
    return handle;
  }

  /** Kills the current container and adopts a fresh one (from the pool when there is one). */
  #replaceContainer(signal?: AbortSignal): Promise<ContainerHandle> {
    this.#replacing ??= (async () => {
      const old = this.#handle;
      this.#handle = undefined;
      if (old) {
        old.listener = () => undefined;
        old.connection.destroy();
        await removeContainer(old.container);
      }
      this.#assertOpen();
      const handle = await this.#engine.acquireContainer({ sessionId: this.sessionId, signal });
      if (this.#closed) {
        handle.connection.destroy();
        await removeContainer(handle.container);
        this.#assertOpen();
      }
      this.#adopt(handle);
      return handle;
    })().finally(() => {
      this.#replacing = undefined;
    });
    return this.#replacing;
  }

  #adopt(handle: ContainerHandle): void {
    this.#handle = handle;
    this.#kernelReady = new Deferred<void>();
    this.#kernelReady.resolve(); // a launched container's kernel has reported ready
    handle.listener = (event) => this.#onEvent(handle, event);
  }

  #onEvent(handle: ContainerHandle, event: ContainerEvent): void {
    if (handle !== this.#handle) return;
    if (event.type !== 'frame') {
      this.#lost(event.type === 'violation' ? event.reason : 'the container stopped');
      return;
    }
    const { frame } = event;
    if (frame.t === 'ready') this.#kernelReady.resolve();
    if (frame.t === 'died') this.#kernelReady = new Deferred<void>(); // the driver starts a new kernel
    const waiter = typeof frame.id === 'number' ? this.#waiters.get(frame.id) : undefined;
    waiter?.(event);
  }

  #lost(reason: string): void {
    const violation: ContainerEvent = { type: 'violation', reason };
    for (const waiter of [...this.#waiters.values()]) waiter(violation);
  }

  #assertOpen(): void {
    if (this.#closed) throw new SandboxClosedError({ message: `Sandbox ${this.id} is closed` });
  }

  async #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    this.#assertOpen();
    const run = this.#tail.then(async () => {
      this.#busy = true;
      try {
        return await operation();
      } finally {
        this.#busy = false;
        this.lastUsedAt = Date.now();
      }
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }
}
