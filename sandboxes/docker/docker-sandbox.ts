import { randomUUID } from 'node:crypto';
import type {
  Execution,
  ExecutionError,
  FileListing,
  ListFilesOptions,
  ReadFileOptions,
  RunCodeOptions,
  Sandbox,
  SandboxStats,
  WriteFileOptions,
} from '../../core/index.ts';
import {
  AbortedError,
  checkEnvs,
  checkListPath,
  checkTimeoutMs,
  DEFAULT_EXECUTION_TIMEOUT_MS,
  InvalidArgumentError,
  MAX_LISTED_FILES,
  SandboxClosedError,
  SandboxCrashedError,
  throwIfAborted,
} from '../../core/index.ts';
import type { ContainerHandle } from './container-launcher.ts';
import { parseListing } from './file-listing.ts';
import type { SandboxEngine } from './sandbox-engine.ts';
import { containerStats } from './container-stats.ts';
import type { DriverCommand } from './driver-frames.ts';
import { outputLimits } from './docker-sandbox-options.ts';
import { ExecutionCollector } from './execution-collector.ts';
import type { Outcome } from './execution-outcome.ts';
import { executionWaiter } from './execution-outcome.ts';
import { Deferred } from './deferred.ts';
import { enforceDeadline } from './deadline.ts';
import type { LossTiming } from './execution-errors.ts';
import { describeKernelDeath, describeTimeout } from './execution-errors.ts';
import { SessionContainer } from './session-container.ts';
import type { StateLoss } from './state-loss.ts';
import { StateLossLog } from './state-loss.ts';

// The signal the OOM killer (and docker kill) sends.
const SIGKILL = 9;

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
  /** The execution sent to the driver, until it ends. */
  #executing: { id: number; outcome: Deferred<Outcome> } | undefined;
  readonly #stateLoss = new StateLossLog();
  readonly #container: SessionContainer;
  readonly #engine: SandboxEngine;
  #tail: Promise<unknown> = Promise.resolve();
  /** What `setEnvs` set: given again to every container that replaces a lost one. */
  #envs: Record<string, string> = {};

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
    this.#container = new SessionContainer({
      handle,
      acquire: async (signal) => {
        const fresh = await engine.acquireContainer({ sessionId, signal });
        // Sent before any later request on the same ordered channel, so it applies first.
        if (Object.keys(this.#envs).length > 0)
          fresh.connection.send({ op: 'set_env', id: 0, env: { ...this.#envs } });
        return fresh;
      },
      restartGraceMs: engine.options.restartGraceMs,
      closedMessage: `Sandbox ${this.id} is closed`,
      observe: (current, event) =>
        this.#stateLoss.observe({
          event,
          container: current.name,
          running: this.#executing?.outcome.settled === false ? this.#executing.id : undefined,
          sinceMs: this.lastUsedAt,
        }),
    });
  }

  /** The current container's name (it changes when a container had to be replaced). */
  get containerName(): string | undefined {
    return this.#container.name;
  }

  get busy(): boolean {
    return this.#busy;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * What happened when the kernel died or the container was lost with no code running,
   * until the next `runCode` reports it (and does not run its code); else undefined.
   */
  get stateLost(): string | undefined {
    return this.#stateLoss.description;
  }

  async runCode(options: RunCodeOptions): Promise<Execution> {
    // Checked before the call queues: a bad option is the caller's error, not the session's.
    if (options.timeoutMs !== undefined) checkTimeoutMs(options.timeoutMs);
    if (options.envs) checkEnvs(options.envs);
    return await this.#exclusive(() => this.#run(options));
  }

  async writeFile({ path, data, signal }: WriteFileOptions): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    if (bytes.length > this.#engine.options.maxFileBytes) {
      throw new InvalidArgumentError({
        message: `${path} is larger than maxFileBytes (${this.#engine.options.maxFileBytes})`,
      });
    }
    await this.#exclusive(() =>
      this.#container.request(
        { op: 'write_file', id: 0, path, data: bytes.toString('base64') },
        signal,
      ),
    );
  }

  async readFile({ path, signal }: ReadFileOptions): Promise<Uint8Array> {
    const max = this.#engine.options.maxFileBytes;
    const data = await this.#exclusive(() =>
      this.#container.request({ op: 'read_file', id: 0, path, maxBytes: max }, signal),
    );
    const bytes = Buffer.from(data ?? '', 'base64');
    if (bytes.length > max)
      throw new SandboxCrashedError({
        message: `${path}: the sandbox sent more than ${max} bytes`,
      });
    return new Uint8Array(bytes);
  }

  async listFiles({ path, signal }: ListFilesOptions = {}): Promise<FileListing> {
    // Checked before the call queues, as the driver checks it again.
    const directory = checkListPath(path);
    // Within what a file may take, so the reply fits in a driver frame.
    const maxBytes = this.#engine.options.maxFileBytes;
    const command: Extract<DriverCommand, { op: 'list_files' }> = {
      op: 'list_files',
      id: 0,
      path: directory,
      maxFiles: MAX_LISTED_FILES,
      maxBytes,
    };
    const data = await this.#exclusive(() => this.#container.request(command, signal));
    return parseListing({ data: data ?? '', directory, maxBytes });
  }

  async setEnvs({
    envs,
    signal,
  }: {
    envs: Readonly<Record<string, string>>;
    signal?: AbortSignal;
  }): Promise<void> {
    checkEnvs(envs);
    await this.#exclusive(async () => {
      await this.#container.request({ op: 'set_env', id: 0, env: { ...envs } }, signal);
      this.#envs = { ...this.#envs, ...envs };
    });
  }

  /** The container's runtime and memory (container-stats.ts); in turn, but not a use. */
  async stats({ signal }: { signal?: AbortSignal } = {}): Promise<SandboxStats> {
    const { runtime } = this.#engine.options;
    return await this.#exclusive(async () => {
      const { container } = await this.#container.ready(signal);
      return await containerStats({ container, runtime, signal });
    }, false);
  }

  interrupt(): Promise<void> {
    // Fails by rejecting, as every method does (the contract), never by throwing at the call.
    if (this.#closed) return Promise.reject(this.#closedError());
    this.#container.send({ op: 'interrupt' });
    return Promise.resolve();
  }

  async restart({ signal }: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#exclusive(async () => {
      if (!(await this.#container.restartKernel())) await this.#container.replace();
      this.#stateLoss.clear(); // a fresh state is what the caller asked for
      throwIfAborted(signal, 'The restart');
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#container.close();
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
    throwIfAborted(signal, 'The execution');
    const handle = await this.#readyContainer(signal);
    const collector = new ExecutionCollector({
      ...outputLimits(this.#engine.options),
      callbacks,
    });
    const idleLoss = this.#stateLoss.take();
    if (idleLoss) {
      // On the fresh kernel this code would run without the state it expects, and the
      // caller would never hear it was lost.
      collector.setError(await this.#failure({ loss: idleLoss, timing: 'idle' }));
      return collector.finish({ stateLost: true });
    }
    const startedAt = Date.now();
    const outcome = new Deferred<Outcome>();
    const id = this.#container.watch(executionWaiter({ collector, outcome }));
    this.#executing = { id, outcome };
    try {
      handle.connection.send({
        op: 'execute',
        id,
        code,
        maxOutputBytes: this.#engine.options.maxOutputBytes,
        maxResults: this.#engine.options.maxResults,
        deaths: this.#container.deaths,
        ...(envs ? { env: { ...envs } } : {}),
      });
      const stopped = await enforceDeadline({
        done: outcome.promise,
        timeoutMs,
        signal,
        interruptGraceMs: this.#engine.options.interruptGraceMs,
        interrupt: () => this.#container.send({ op: 'interrupt' }),
        restartKernel: () => this.#container.restartKernel(),
        replaceContainer: async () => void (await this.#container.replace()),
      });
      if (stopped === 'restarted' || stopped === 'killed') outcome.resolve({ kind: 'end' });
      const result = await outcome.promise;
      // Closing the session ends its running call as it ends the queued ones.
      if (this.#closed)
        throw new SandboxClosedError({ message: `Sandbox ${this.id} was closed during the call` });
      const lossBefore = this.#stateLoss.take({ beforeExecution: id });
      if (result.kind === 'died' && lossBefore) {
        // The kernel died after the previous call, before the driver began this one; sent
        // before that death was heard of, this code was not run (the driver refuses it).
        collector.setError(await this.#failure({ loss: lossBefore, timing: 'idle' }));
      } else if (result.kind === 'died' || result.kind === 'lost') {
        const loss = { outcome: result, container: handle.name, sinceMs: startedAt };
        collector.setError(await this.#failure({ loss, timing: 'during' }));
      } else if (stopped) {
        collector.setError(
          describeTimeout({
            stopped,
            timeoutMs,
            aborted: signal?.aborted ?? false,
            kernelError: collector.execution.error,
          }),
        );
      } else if (lossBefore) {
        // The kernel died while this request was on its way: the code ran on a fresh kernel.
        const traceback = collector.execution.error?.traceback ?? '';
        collector.setError({
          ...(await this.#failure({ loss: lossBefore, timing: 'before' })),
          traceback,
        });
      }
      if (signal?.aborted) {
        // The caller hears only that it was aborted: if stopping it cost the state, the
        // next call says so (and does not run on the fresh kernel as if nothing happened).
        const how =
          result.kind === 'died'
            ? 'kernel died'
            : result.kind === 'lost'
              ? 'container was lost'
              : stopped === 'restarted'
                ? 'kernel was restarted (the code ignored the interrupt)'
                : stopped === 'killed'
                  ? 'container was replaced (the kernel did not restart)'
                  : undefined;
        if (how)
          this.#stateLoss.noteAbortedStop({ how, container: handle.name, sinceMs: startedAt });
        throw new AbortedError({
          message: `The execution was aborted; the kernel was ${stopped ?? 'stopped'}`,
          cause: signal.reason,
        });
      }
      // Every way this call can end with a fresh kernel, said once, here.
      const stateLost =
        result.kind === 'died' ||
        result.kind === 'lost' ||
        stopped === 'restarted' ||
        stopped === 'killed' ||
        lossBefore !== undefined;
      if (result.kind === 'died' || result.kind === 'lost') {
        // The answer says a fresh kernel is ready: it is answered once the kernel answers
        // (the driver's `ready` after its kernel_info reply), or its replacement container's.
        // If none comes in time, the next call finds out and starts another.
        await this.#container.ready().catch(() => undefined);
      }
      return collector.finish({ ...(stopped ? { timedOut: stopped } : {}), stateLost });
    } finally {
      this.#container.unwatch(id);
      this.#executing = undefined;
    }
  }

  /** The error for a kernel that died or a container that was lost, naming the cause. */
  async #failure({
    loss,
    timing,
  }: {
    loss: StateLoss;
    timing: LossTiming;
  }): Promise<ExecutionError> {
    const { outcome } = loss;
    if (loss.abortedStop) {
      return {
        name: 'StateLost',
        value: `The previous call was cancelled and its ${loss.abortedStop}; the state is lost. This code was not run; a fresh kernel is ready.`,
        traceback: '',
      };
    }
    // The OOM killer sends SIGKILL (under gVisor the container goes): only then is the
    // engine's event worth waiting for.
    const mayBeOutOfMemory = outcome.kind === 'lost' || outcome.signal === SIGKILL;
    const outOfMemory =
      mayBeOutOfMemory &&
      (await this.#engine.wasOutOfMemory({ container: loss.container, sinceMs: loss.sinceMs }));
    if (outcome.kind === 'lost' && timing === 'during') {
      // The container itself is gone (the driver exited, gVisor ran out of memory, or the
      // driver broke the protocol): a fresh one is started for the next call.
      void this.#container.replace().catch(() => undefined);
    }
    return describeKernelDeath({
      memoryMb: this.#engine.options.memoryMb,
      outOfMemory,
      timing,
      ...(outcome.kind === 'died'
        ? { code: outcome.code, signal: outcome.signal }
        : { lostReason: outcome.reason }),
    });
  }

  async #readyContainer(signal?: AbortSignal): Promise<ContainerHandle> {
    this.#assertOpen();
    const handle = await this.#container.ready(signal);
    this.lastUsedAt = Date.now();
    return handle;
  }

  #assertOpen(): void {
    if (this.#closed) throw this.#closedError();
  }

  #closedError(): SandboxClosedError {
    return new SandboxClosedError({ message: `Sandbox ${this.id} is closed` });
  }

  /** Runs `operation` in its turn; `use` (false for a reading) restarts the idle clock. */
  async #exclusive<T>(operation: () => Promise<T>, use = true): Promise<T> {
    this.#assertOpen();
    const run = this.#tail.then(async () => {
      this.#busy = true;
      try {
        return await operation();
      } finally {
        this.#busy = false;
        if (use) this.lastUsedAt = Date.now();
      }
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }
}
