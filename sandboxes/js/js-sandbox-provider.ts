import { randomUUID } from 'node:crypto';
import type {
  CreateSandboxOptions,
  Execution,
  SandboxInfo,
  SandboxProvider,
} from '../../core/index.ts';
import {
  AbortedError,
  InvalidArgumentError,
  SandboxClosedError,
  throwIfAborted,
} from '../../core/index.ts';
import { JsHostProcess } from './js-host-process.ts';
import type { JsSandboxProviderOptions } from './js-sandbox-options.ts';
import {
  DEFAULT_JS_FRESH_ISOLATES_PER_THREAD,
  DEFAULT_JS_ISOLATE_REUSE,
  DEFAULT_JS_LIMITS,
  defaultThreads,
} from './js-sandbox-options.ts';
import { JsSandbox } from './js-sandbox.ts';

const hostFunctionName = /^[A-Za-z_$][\w$]*$/;

/**
 * JavaScript sandboxes on isolated-vm. Isolates live on the piscina threads of one child
 * process that holds no secrets; a crash there is contained and the next call starts a new
 * child. `run()` executes in a fresh context; `create()` opens a session that keeps state.
 */
export class JsSandboxProvider implements SandboxProvider {
  readonly #host: JsHostProcess;
  readonly #sandboxes = new Map<string, JsSandbox>();
  #closed = false;

  private constructor(host: JsHostProcess) {
    this.#host = host;
    host.onExit((generation) => {
      for (const sandbox of this.#sandboxes.values()) sandbox.markLost(generation);
    });
  }

  /** Starts the JS host child process and its thread pool. */
  static async start(options: JsSandboxProviderOptions = {}): Promise<JsSandboxProvider> {
    const hostFunctions = options.hostFunctions ?? {};
    for (const name of Object.keys(hostFunctions)) {
      if (!hostFunctionName.test(name)) {
        throw new InvalidArgumentError({
          message: `host function name "${name}" is not an identifier`,
        });
      }
    }
    const limits = { ...DEFAULT_JS_LIMITS, ...options.limits };
    if (limits.memoryLimitMb < 8) {
      throw new InvalidArgumentError({ message: 'memoryLimitMb must be at least 8' });
    }
    const host = new JsHostProcess({
      config: {
        threads: options.threads ?? defaultThreads(),
        limits,
        hostFunctionNames: Object.keys(hostFunctions),
        freshIsolatesPerThread:
          options.freshIsolatesPerThread ?? DEFAULT_JS_FRESH_ISOLATES_PER_THREAD,
        isolateReuse: options.isolateReuse ?? DEFAULT_JS_ISOLATE_REUSE,
      },
      hostFunctions,
    });
    await host.start();
    return new JsSandboxProvider(host);
  }

  /** The child process's pid (for operators and tests). */
  get hostPid(): number | undefined {
    return this.#host.pid;
  }

  /** Kills the child process, as a native crash would. */
  killHost(): void {
    this.#host.kill('SIGKILL');
  }

  /**
   * Runs code in a fresh context: nothing is kept between calls. Aborting stops the code
   * (its isolate is disposed) and throws AbortedError.
   */
  async run({
    code,
    timeoutMs,
    signal,
  }: {
    code: string;
    /** Wall clock for this call, when shorter than the configured limit. */
    timeoutMs?: number;
    signal?: AbortSignal;
  }): Promise<Execution> {
    if (this.#closed)
      throw new SandboxClosedError({ message: 'the JS sandbox provider is closed' });
    throwIfAborted(signal, 'The execution');
    const outcome = await this.#host.request(
      { type: 'run', code, ...(timeoutMs === undefined ? {} : { timeoutMs }) },
      signal,
    );
    if (!outcome) throw new SandboxClosedError({ message: 'the JS host gave no execution' });
    if (signal?.aborted) {
      throw new AbortedError({
        message:
          outcome.aborted === 'before-start'
            ? 'The execution was aborted before it started'
            : 'The execution was aborted; its isolate was disposed',
        cause: signal.reason,
      });
    }
    // A fresh call keeps no state, so there is none to lose.
    const {
      stateLost: _stateLost,
      aborted: _aborted,
      sessionLost: _sessionLost,
      ...execution
    } = outcome;
    return execution;
  }

  async create({ sessionId, signal }: CreateSandboxOptions = {}): Promise<JsSandbox> {
    if (this.#closed)
      throw new SandboxClosedError({ message: 'the JS sandbox provider is closed' });
    throwIfAborted(signal, 'Opening the JS session');
    const generation = await this.#host.start();
    const id = `js-${randomUUID()}`;
    await this.#host.request({ type: 'open', sessionId: id });
    const sandbox = new JsSandbox({
      id,
      sessionId,
      host: this.#host,
      generation,
      onClose: () => this.#sandboxes.delete(id),
    });
    this.#sandboxes.set(id, sandbox);
    return sandbox;
  }

  list(): SandboxInfo[] {
    return [...this.#sandboxes.values()].map((sandbox) => ({
      id: sandbox.id,
      sessionId: sandbox.sessionId,
      createdAt: sandbox.createdAt,
      busy: sandbox.busy,
    }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#sandboxes.values()].map(async (sandbox) => await sandbox.close()));
    await this.#host.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
