import type {
  Execution,
  FileListing,
  ListFilesOptions,
  ReadFileOptions,
  RunCodeOptions,
  Sandbox,
  WriteFileOptions,
} from '../../core/index.ts';
import {
  AbortedError,
  checkEnvs,
  checkTimeoutMs,
  InvalidArgumentError,
  SandboxClosedError,
  throwIfAborted,
} from '../../core/index.ts';
import type { JsHostProcess } from './js-host-process.ts';
import type { RunOutcome } from './js-host-protocol.ts';

interface InFlight {
  controller: AbortController;
  /** Why the sandbox itself stopped it: `interrupt()` or `close()`. */
  stoppedBy?: 'interrupt' | 'close';
}

/**
 * One JavaScript session: its own isolate and context on one thread of the JS host, so state
 * (globals, `let` bindings across cells) is kept until `restart()` or `close()`.
 */
export class JsSandbox implements Sandbox {
  readonly id: string;
  readonly sessionId: string | undefined;
  readonly createdAt = Date.now();
  readonly #host: JsHostProcess;
  #generation: number;
  readonly #onClose: () => void;
  #closed = false;
  /** Calls sent to the JS host and not answered, in the order the host serves them. */
  readonly #inFlight: InFlight[] = [];
  #lostReason: string | undefined;
  /** Settles when the last queued call (runCode, setEnvs, restart) has settled. */
  #settling: Promise<unknown> = Promise.resolve();
  /** The JS host lost the session while a call ran (and that call said so): open it again. */
  #reopen = false;
  /** What `setEnvs` set, to set again in a reopened session. */
  #envs: Record<string, string> = {};

  constructor({
    id,
    sessionId,
    host,
    generation,
    onClose,
  }: {
    id: string;
    sessionId: string | undefined;
    host: JsHostProcess;
    generation: number;
    onClose: () => void;
  }) {
    this.id = id;
    this.sessionId = sessionId;
    this.#host = host;
    this.#generation = generation;
    this.#onClose = onClose;
  }

  get busy(): boolean {
    return this.#inFlight.length > 0;
  }

  /** Called when the JS host that held this session exited. */
  markLost(generation: number): void {
    if (generation !== this.#generation) return;
    // A running call reports the loss itself; the session then starts again with the next one.
    if (this.busy) this.#reopen = true;
    else this.#lostReason = 'its JS host process exited';
  }

  #check(): void {
    if (this.#closed) throw new SandboxClosedError({ message: `JS sandbox ${this.id} is closed` });
    if (this.#lostReason) {
      throw new SandboxClosedError({
        message: `JS sandbox ${this.id} was lost: ${this.#lostReason}`,
      });
    }
  }

  async #reopenIfNeeded(): Promise<void> {
    this.#reopen = false;
    this.#generation = await this.#host.start();
    await this.#host.request({ type: 'open', sessionId: this.id });
    if (Object.keys(this.#envs).length > 0) {
      await this.#host.request({ type: 'set-envs', sessionId: this.id, envs: this.#envs });
    }
  }

  /**
   * Calls reach the host in call order and it serves them in that order; their promises also
   * settle in that order (a call with output to hand to callbacks takes longer to settle).
   */
  #inOrder<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.#settling;
    const call = work().finally(async () => await previous);
    this.#settling = call.catch(() => undefined);
    return call;
  }

  runCode(options: RunCodeOptions): Promise<Execution> {
    return this.#inOrder(() => this.#runCode(options));
  }

  async #runCode({
    code,
    timeoutMs,
    signal,
    envs,
    onStdout,
    onStderr,
    onResult,
    onError,
  }: RunCodeOptions): Promise<Execution> {
    this.#check();
    const callTimeoutMs = timeoutMs === undefined ? undefined : checkTimeoutMs(timeoutMs);
    if (envs) checkEnvs(envs);
    throwIfAborted(signal, 'The execution');
    // Awaited only when needed: a call must reach the host in call order.
    if (this.#reopen) await this.#reopenIfNeeded();
    const call: InFlight = { controller: new AbortController() };
    this.#inFlight.push(call);
    const stop = signal
      ? AbortSignal.any([signal, call.controller.signal])
      : call.controller.signal;
    let outcome: RunOutcome | undefined;
    try {
      outcome = await this.#host.request(
        {
          type: 'run',
          code,
          sessionId: this.id,
          ...(callTimeoutMs === undefined ? {} : { timeoutMs: callTimeoutMs }),
          ...(envs && Object.keys(envs).length > 0 ? { envs: { ...envs } } : {}),
        },
        stop,
      );
    } finally {
      this.#inFlight.splice(this.#inFlight.indexOf(call), 1);
    }
    if (!outcome) throw new SandboxClosedError({ message: 'the JS host gave no execution' });
    const { stateLost, aborted, sessionLost, ...rest } = outcome;
    if (sessionLost) this.#reopen = true;
    if (call.stoppedBy === 'close') {
      throw new SandboxClosedError({
        message: `JS sandbox ${this.id} was closed while its code ran`,
      });
    }
    if (signal?.aborted) throw abortedError({ aborted, stateLost, reason: signal.reason });
    const execution: Execution = { ...rest, ...(stateLost ? { stateLost: true } : {}) };
    if (aborted === 'before-start') {
      execution.error = {
        name: 'Interrupted',
        value: 'the execution was stopped before it started',
        traceback: '',
      };
    }
    // Output is collected in the isolate and arrives with the result, so callbacks run now.
    const now = Date.now();
    for (const line of execution.logs.stdout)
      await onStdout?.({ line, timestamp: now, error: false });
    for (const line of execution.logs.stderr)
      await onStderr?.({ line, timestamp: now, error: true });
    for (const result of execution.results) await onResult?.(result);
    if (execution.error) await onError?.(execution.error);
    return execution;
  }

  writeFile(_options: WriteFileOptions): Promise<void> {
    return this.#noFileSystem();
  }

  readFile(_options: ReadFileOptions): Promise<Uint8Array> {
    return this.#noFileSystem();
  }

  listFiles(_options?: ListFilesOptions): Promise<FileListing> {
    return this.#noFileSystem();
  }

  // Rejects (never throws): closed first, then refused.
  #noFileSystem(): Promise<never> {
    return Promise.resolve().then(() => {
      this.#check();
      throw new InvalidArgumentError({
        message: 'the JavaScript sandbox has no file system; pass data through host functions',
      });
    });
  }

  setEnvs(options: { envs: Readonly<Record<string, string>> }): Promise<void> {
    return this.#inOrder(() => this.#setEnvs(options));
  }

  async #setEnvs({ envs }: { envs: Readonly<Record<string, string>> }): Promise<void> {
    checkEnvs(envs);
    this.#check();
    this.#envs = { ...this.#envs, ...envs };
    if (this.#reopen) await this.#reopenIfNeeded();
    await this.#host.request({ type: 'set-envs', sessionId: this.id, envs: { ...envs } });
  }

  /**
   * Stops the running execution, which resolves with an `Interrupted` error. There is no
   * gentle interrupt for an isolate: it is disposed, so the call reports `stateLost`.
   */
  interrupt(): Promise<void> {
    return Promise.resolve().then(() => {
      this.#check();
      // The host serves a session's calls in order: the first one in flight is the running one.
      const running = this.#inFlight[0];
      if (running) {
        running.stoppedBy ??= 'interrupt';
        running.controller.abort();
      }
    });
  }

  restart(): Promise<void> {
    return this.#inOrder(() => this.#restart());
  }

  async #restart(): Promise<void> {
    this.#check();
    if (this.#reopen) await this.#reopenIfNeeded();
    else await this.#host.request({ type: 'restart', sessionId: this.id });
  }

  /** Ends the session: the running and queued calls stop and reject with SandboxClosedError. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
    // Last first: the host reads aborts in the order sent, so every queued call is marked
    // before the running one stops, and the thread cannot start a queued call in between.
    for (const call of this.#inFlight.toReversed()) {
      call.stoppedBy = 'close';
      call.controller.abort();
    }
    if (this.#lostReason || this.#reopen) return;
    await this.#host.request({ type: 'close', sessionId: this.id }).catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function abortedError({
  aborted,
  stateLost,
  reason,
}: {
  aborted: RunOutcome['aborted'];
  stateLost: boolean;
  reason: unknown;
}): AbortedError {
  const what =
    aborted === 'before-start'
      ? 'before it started; the session is as it was'
      : stateLost
        ? 'and its isolate disposed: the session state is lost, and the next call runs on a fresh isolate'
        : 'after it had finished';
  return new AbortedError({ message: `The execution was aborted ${what}`, cause: reason });
}
