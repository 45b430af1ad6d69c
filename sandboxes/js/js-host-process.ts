// The caller's side of the JS host child process: starts it with an empty environment,
// matches replies to requests, runs host functions here (where the secrets are), and starts
// a new child when one dies. Requests in flight when it dies fail with SandboxCrashedError.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  onAbort,
  raceDeadline,
  SandboxCrashedError,
  SandboxUnavailableError,
  throwIfAborted,
} from '../../core/index.ts';
import { parseJson } from '../../core/internal/json.ts';
import type { HostReply, HostRequest, JsHostConfig, RunOutcome } from './js-host-protocol.ts';
import { HostReplySchema } from './js-host-protocol.ts';
import type { HostFunction } from './js-sandbox-options.ts';

type Request = HostRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;

interface Pending {
  resolve: (execution: RunOutcome | undefined) => void;
  reject: (error: Error) => void;
  /** A run: once sent, its code may have started, so a failure is its result, not a throw. */
  run: boolean;
}

const START_TIMEOUT_MS = 30_000;

/** The result of a run whose code may have started when the JS host failed it. */
function lostRun(message: string, sessionLost = true): RunOutcome {
  return {
    results: [],
    logs: { stdout: [], stderr: [] },
    error: { name: 'SandboxCrashed', value: message, traceback: '' },
    executionCount: null,
    stateLost: sessionLost,
    ...(sessionLost ? { sessionLost } : {}),
  };
}

export class JsHostProcess {
  readonly #config: JsHostConfig;
  readonly #hostFunctions: Readonly<Record<string, HostFunction>>;
  #child: ChildProcess | undefined;
  #ready: Promise<ChildProcess> | undefined;
  #nextId = 0;
  readonly #pending = new Map<number, Pending>();
  #closed = false;
  /** Bumped each time a child starts: sessions opened on an older one are gone. */
  generation = 0;
  readonly #onExit: Array<(generation: number) => void> = [];

  constructor({
    config,
    hostFunctions,
  }: {
    config: JsHostConfig;
    hostFunctions: Readonly<Record<string, HostFunction>>;
  }) {
    this.#config = config;
    this.#hostFunctions = hostFunctions;
  }

  /** The child's pid, once started. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  onExit(listener: (generation: number) => void): void {
    this.#onExit.push(listener);
  }

  /** Starts the child if none runs; resolves when it is ready. */
  async start(): Promise<number> {
    await this.#ensure();
    return this.generation;
  }

  #ensure(): Promise<ChildProcess> {
    if (this.#closed) return Promise.reject(new SandboxUnavailableError({ message: 'closed' }));
    this.#ready ??= this.#spawn();
    return this.#ready;
  }

  async #spawn(): Promise<ChildProcess> {
    const entry = fileURLToPath(
      new URL(`./js-host-main${extname(import.meta.url)}`, import.meta.url),
    );
    // No inherited environment: the child never sees Redis URLs, API keys or tokens.
    const child = fork(entry, [JSON.stringify(this.#config)], {
      env: {},
      execArgv: ['--no-node-snapshot'],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child = child;
    this.generation += 1;
    const generation = this.generation;
    const ready = new Promise<ChildProcess>((resolve, reject) => {
      child.on('message', (raw: unknown) => {
        const parsed = HostReplySchema.safeParse(raw);
        if (!parsed.success) {
          this.#unreadable(raw, parsed.error.message);
          return;
        }
        if (parsed.data.type === 'ready') {
          resolve(child);
          return;
        }
        this.#receive(child, parsed.data as Exclude<HostReply, { type: 'ready' }>);
      });
      child.on('error', (error) => {
        reject(
          new SandboxUnavailableError({ message: 'the JS host failed to start', cause: error }),
        );
      });
      child.on('exit', (code, signal) => {
        if (this.#child === child) {
          this.#child = undefined;
          this.#ready = undefined;
        }
        const why = signal ? `signal ${signal}` : `code ${String(code)}`;
        reject(new SandboxUnavailableError({ message: `the JS host exited (${why})` }));
        for (const pending of this.#pending.values()) {
          if (pending.run) {
            pending.resolve(
              lostRun(
                `the JS host process exited while this code ran (${why}); its state is lost and a fresh one starts for the next call`,
              ),
            );
          } else {
            pending.reject(new SandboxCrashedError({ message: `the JS host exited (${why})` }));
          }
        }
        this.#pending.clear();
        for (const listener of this.#onExit) listener(generation);
      });
    });
    const started = await raceDeadline({ promise: ready, timeoutMs: START_TIMEOUT_MS });
    if (started.kind === 'value') return started.value;
    if (started.kind === 'error') throw started.error;
    child.kill('SIGKILL'); // a child that never said ready must not linger
    throw new SandboxUnavailableError({ message: 'the JS host did not start in time' });
  }

  #receive(child: ChildProcess, message: Exclude<HostReply, { type: 'ready' }>): void {
    if (message.type === 'host-call') {
      void this.#callHost(message.name, message.argsJson).then((reply) => {
        if (child.connected) child.send({ type: 'host-reply', callId: message.callId, reply });
      });
      return;
    }
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if (message.ok) pending.resolve(message.execution);
    else pending.reject(new SandboxCrashedError({ message: message.message }));
  }

  /** A reply that fails its schema still ends its request, rather than leave it waiting. */
  #unreadable(raw: unknown, why: string): void {
    const id = (raw as { id?: unknown } | null)?.id;
    const pending = typeof id === 'number' ? this.#pending.get(id) : undefined;
    if (!pending || typeof id !== 'number') return;
    this.#pending.delete(id);
    if (pending.run) {
      pending.resolve(lostRun(`the JS host sent a result that could not be read (${why})`, false));
    } else {
      pending.reject(
        new SandboxCrashedError({ message: `the JS host sent an unreadable reply: ${why}` }),
      );
    }
  }

  async #callHost(name: string, argsJson: string): Promise<string> {
    const fn = this.#hostFunctions[name];
    try {
      if (!fn) throw new Error(`no host function "${name}"`);
      const args = parseJson(argsJson);
      const value: unknown = await fn(...(Array.isArray(args) ? (args as unknown[]) : []));
      return JSON.stringify({ ok: true, value: value ?? null });
    } catch (error) {
      return JSON.stringify({
        ok: false,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** Sends one request; `signal` aborts it in the child (disposing the isolate). */
  async request(request: Request, signal?: AbortSignal): Promise<RunOutcome | undefined> {
    const child = await this.#ensure();
    throwIfAborted(signal, 'The request to the JS host');
    this.#nextId += 1;
    const id = this.#nextId;
    // Disposes the isolate in the child: the real stop, not just a stop of the wait.
    const removeListener = onAbort(signal, () => {
      if (child.connected) child.send({ type: 'abort', id });
    });
    try {
      return await new Promise<RunOutcome | undefined>((resolve, reject) => {
        if (!child.connected) {
          reject(new SandboxUnavailableError({ message: 'the JS host exited' }));
          return;
        }
        this.#pending.set(id, { resolve, reject, run: request.type === 'run' });
        child.send({ ...request, id });
      });
    } finally {
      removeListener();
    }
  }

  /** Kills the child (tests use this to show a crash is contained). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.#child?.kill(signal);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
