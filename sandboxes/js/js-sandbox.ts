import type {
  Execution,
  ReadFileOptions,
  RunCodeOptions,
  Sandbox,
  WriteFileOptions,
} from '../../core/index.ts';
import { InvalidArgumentError, SandboxClosedError, throwIfAborted } from '../../core/index.ts';
import type { JsHostProcess } from './js-host-process.ts';
import type { RunOutcome } from './js-host-protocol.ts';

/**
 * One JavaScript session: its own isolate and context on one thread of the JS host, so state
 * (globals, `let` bindings across cells) is kept until `restart()` or `close()`.
 */
export class JsSandbox implements Sandbox {
  readonly id: string;
  readonly sessionId: string | undefined;
  readonly createdAt = Date.now();
  readonly #host: JsHostProcess;
  readonly #generation: number;
  readonly #onClose: () => void;
  #closed = false;
  #busy = 0;
  readonly #running = new Set<AbortController>();
  #lostReason: string | undefined;

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
    return this.#busy > 0;
  }

  /** Called when the JS host that held this session exited. */
  markLost(generation: number): void {
    if (generation === this.#generation) this.#lostReason = 'its JS host process exited';
  }

  #check(): void {
    if (this.#closed) throw new SandboxClosedError({ message: `JS sandbox ${this.id} is closed` });
    if (this.#lostReason) {
      throw new SandboxClosedError({
        message: `JS sandbox ${this.id} was lost: ${this.#lostReason}`,
      });
    }
  }

  async runCode({
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
    throwIfAborted(signal, 'The execution');
    if (envs && Object.keys(envs).length > 0) await this.setEnvs({ envs });
    this.#busy += 1;
    const controller = new AbortController();
    this.#running.add(controller);
    const stop = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal;
    let outcome: RunOutcome | undefined;
    try {
      outcome = await this.#host.request(
        {
          type: 'run',
          code,
          sessionId: this.id,
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
        },
        stop,
      );
    } finally {
      this.#running.delete(controller);
      this.#busy -= 1;
    }
    if (!outcome) throw new SandboxClosedError({ message: 'the JS host gave no execution' });
    const { stateLost: _stateLost, ...execution } = outcome;
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
    return Promise.reject(noFileSystem());
  }

  readFile(_options: ReadFileOptions): Promise<Uint8Array> {
    return Promise.reject(noFileSystem());
  }

  async setEnvs({ envs }: { envs: Readonly<Record<string, string>> }): Promise<void> {
    this.#check();
    await this.#host.request({ type: 'set-envs', sessionId: this.id, envs: { ...envs } });
  }

  /**
   * Stops the running execution. There is no gentle interrupt for an isolate: it is disposed,
   * so the session's state is lost, as after `restart()`.
   */
  interrupt(): Promise<void> {
    for (const controller of this.#running) controller.abort();
    return Promise.resolve();
  }

  async restart(): Promise<void> {
    this.#check();
    await this.#host.request({ type: 'restart', sessionId: this.id });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
    if (this.#lostReason) return;
    await this.#host.request({ type: 'close', sessionId: this.id }).catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function noFileSystem(): InvalidArgumentError {
  return new InvalidArgumentError({
    message: 'the JavaScript sandbox has no file system; pass data through host functions',
  });
}
