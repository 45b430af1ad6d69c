import {
  AbortedError,
  InvalidArgumentError,
  raceDeadline,
  SandboxClosedError,
  SandboxCrashedError,
  throwIfAborted,
} from '../../core/index.ts';
import type { ContainerEvent, ContainerHandle } from './container-launcher.ts';
import { removeContainer } from './container-launcher.ts';
import { Deferred } from './deferred.ts';
import type { DriverCommand } from './driver-frames.ts';
import type { Waiter } from './execution-outcome.ts';

/**
 * A session's container and the driver in it: requests by id and the waiters for their
 * frames, the kernel's readiness, and replacing the container when it is lost or stuck.
 */
export class SessionContainer {
  #handle: ContainerHandle | undefined;
  #replacing: Promise<ContainerHandle> | undefined;
  #kernelReady = new Deferred<void>();
  #nextId = 1;
  #closed = false;
  /** Died frames from the current container's driver (it refuses code sent before it says one). */
  #deaths = 0;
  readonly #waiters = new Map<number, Waiter>();
  readonly #acquire: (signal?: AbortSignal) => Promise<ContainerHandle>;
  readonly #restartGraceMs: number;
  readonly #closedMessage: string;
  readonly #observe: (handle: ContainerHandle, event: ContainerEvent) => boolean;

  constructor({
    handle,
    acquire,
    restartGraceMs,
    closedMessage,
    observe,
  }: {
    handle: ContainerHandle;
    /** A ready container for this session (from the warm pool, or new). */
    acquire: (signal?: AbortSignal) => Promise<ContainerHandle>;
    /** How long a kernel restart or a driver answer may take. */
    restartGraceMs: number;
    /** The SandboxClosedError's message once closed. */
    closedMessage: string;
    /** Sees each event of the current container first; false drops it. */
    observe: (handle: ContainerHandle, event: ContainerEvent) => boolean;
  }) {
    this.#acquire = acquire;
    this.#restartGraceMs = restartGraceMs;
    this.#closedMessage = closedMessage;
    this.#observe = observe;
    this.#adopt(handle);
  }

  get name(): string | undefined {
    return this.#handle?.name;
  }

  /** The kernel deaths the current container's driver has reported so far. */
  get deaths(): number {
    return this.#deaths;
  }

  /** Sends a command to the current container's driver, if there is one. */
  send(command: DriverCommand): void {
    this.#handle?.connection.send(command);
  }

  /** An id for a request, with the waiter its frames go to until `unwatch`. */
  watch(waiter: Waiter): number {
    const id = this.#nextId++;
    this.#waiters.set(id, waiter);
    return id;
  }

  unwatch(id: number): void {
    this.#waiters.delete(id);
  }

  /** The container, replaced first if it is gone or its kernel is not back in time. */
  async ready(signal?: AbortSignal): Promise<ContainerHandle> {
    this.#assertOpen();
    let handle = this.#handle?.alive ? this.#handle : await this.replace(signal);
    if (!this.#kernelReady.settled) {
      const ready = await raceDeadline({
        promise: this.#kernelReady.promise,
        timeoutMs: this.#restartGraceMs,
        signal,
      });
      if (ready.kind === 'abort')
        throw new AbortedError({
          message: 'Waiting for the kernel was aborted',
          cause: ready.reason,
        });
      if (ready.kind === 'timeout') handle = await this.replace(signal);
    }
    return handle;
  }

  /** Sends a driver request and returns its file data, if any. */
  async request(
    command: Extract<DriverCommand, { id: number }>,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    throwIfAborted(signal, `The sandbox's ${command.op}`);
    const handle = await this.ready(signal);
    const answer = new Deferred<{ data?: string; error?: string }>();
    const id = this.watch((event) => {
      if (event.type !== 'frame') answer.resolve({ error: 'the sandbox container stopped' });
      else if (event.frame.t === 'ok') answer.resolve({});
      else if (event.frame.t === 'file') answer.resolve({ data: event.frame.data });
      else if (event.frame.t === 'fail') answer.resolve({ error: event.frame.message });
    });
    try {
      handle.connection.send({ ...command, id });
      const answered = await raceDeadline({
        promise: answer.promise,
        timeoutMs: this.#restartGraceMs,
      });
      if (answered.kind === 'timeout') {
        await this.replace();
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
      this.unwatch(id);
    }
  }

  /** Asks the driver for a fresh kernel; false if it does not report one in time. */
  async restartKernel(): Promise<boolean> {
    const handle = this.#handle;
    if (!handle?.alive) return false;
    const ready = new Deferred<void>();
    const id = this.watch((event) => {
      if (event.type === 'frame' && event.frame.t === 'ready') ready.resolve();
    });
    try {
      this.#kernelReady = new Deferred<void>();
      handle.connection.send({ op: 'restart', id });
      const restarted = await raceDeadline({
        promise: ready.promise,
        timeoutMs: this.#restartGraceMs,
      });
      return restarted.kind !== 'timeout';
    } finally {
      this.unwatch(id);
    }
  }

  /** Kills the current container and adopts a fresh one (from the pool when there is one). */
  replace(signal?: AbortSignal): Promise<ContainerHandle> {
    this.#replacing ??= (async () => {
      const old = this.#handle;
      this.#handle = undefined;
      if (old) {
        old.listener = () => undefined;
        old.connection.destroy();
        await removeContainer(old.container);
      }
      this.#assertOpen();
      const handle = await this.#acquire(signal);
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

  async close(): Promise<void> {
    this.#closed = true;
    this.#lost('the sandbox was closed');
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle) {
      handle.connection.destroy();
      await removeContainer(handle.container);
    }
  }

  #adopt(handle: ContainerHandle): void {
    this.#handle = handle;
    this.#deaths = 0;
    this.#kernelReady = new Deferred<void>();
    this.#kernelReady.resolve(); // a launched container's kernel has reported ready
    handle.listener = (event) => this.#onEvent(handle, event);
  }

  #onEvent(handle: ContainerHandle, event: ContainerEvent): void {
    if (handle !== this.#handle || !this.#observe(handle, event)) return;
    if (event.type !== 'frame') {
      this.#lost(event.type === 'violation' ? event.reason : 'the container stopped');
      return;
    }
    const { frame } = event;
    if (frame.t === 'ready') this.#kernelReady.resolve();
    if (frame.t === 'died') {
      this.#deaths += 1;
      this.#kernelReady = new Deferred<void>(); // the driver starts a new kernel
    }
    const waiter = typeof frame.id === 'number' ? this.#waiters.get(frame.id) : undefined;
    waiter?.(event);
  }

  #lost(reason: string): void {
    const violation: ContainerEvent = { type: 'violation', reason };
    for (const waiter of [...this.#waiters.values()]) waiter(violation);
  }

  #assertOpen(): void {
    if (this.#closed) throw new SandboxClosedError({ message: this.#closedMessage });
  }
}
