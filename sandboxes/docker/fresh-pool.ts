import type { Execution, FreshRunOptions } from '../../core/index.ts';
import {
  AbortedError,
  checkEnvs,
  checkTimeoutMs,
  DEFAULT_EXECUTION_TIMEOUT_MS,
  InvalidArgumentError,
  raceDeadline,
  SandboxClosedError,
  throwIfAborted,
} from '../../core/index.ts';
import type { ContainerEvent, ContainerHandle } from './container-launcher.ts';
import { removeContainer } from './container-launcher.ts';
import { Deferred } from './deferred.ts';
import type { ResolvedDockerSandboxOptions } from './docker-sandbox-options.ts';
import type { DriverFrame } from './driver-frames.ts';
import { freshExecution, lostRunExecution } from './fresh-execution.ts';

/** Fresh-mode containers a provider runs at most (runs at once). */
export const DEFAULT_FRESH_CONTAINERS = 2;
/** Runs one fresh-mode container serves before it is replaced by a new one. */
export const DEFAULT_FRESH_MAX_RUNS = 1_000;
/**
 * How long past a run's own deadline its answer may take (the fork server kills the run at
 * the deadline, then forks the next one); past it the container is replaced.
 */
export const FRESH_ANSWER_GRACE_MS = 15_000;

type RunEnd = Extract<DriverFrame, { t: 'run-end' }>;
type Answer =
  | { kind: 'end'; frame: RunEnd }
  | { kind: 'lost'; reason: string }
  /** The fork server could not start the run (the code did not run): it goes elsewhere. */
  | { kind: 'refused'; reason: string };
/** Containers a run that is refused (its code not run) tries before it fails. */
const MAX_REFUSALS = 3;

interface Slot {
  readonly handle: ContainerHandle;
  runs: number;
  busy: boolean;
  /** When it last became idle: the longest idle goes first (its next run process is forked by then). */
  idleSince: number;
  /** Why the container must go after its current run (the fork server's anomaly). */
  retiring: string | undefined;
  answer: { id: number; deferred: Deferred<Answer> } | undefined;
}

export interface FreshPoolOptions {
  /** Starts one fresh-mode container (ready: its fork server has imported and swept). */
  launch: (signal?: AbortSignal) => Promise<ContainerHandle>;
  options: ResolvedDockerSandboxOptions;
  /** @default DEFAULT_FRESH_CONTAINERS */
  size?: number;
  /** @default DEFAULT_FRESH_MAX_RUNS */
  maxRunsPerContainer?: number;
  onError?: (error: unknown) => void;
}

/**
 * Fresh-state runs over a few fork-server containers, one run at a time in each: a run takes
 * an idle container (or waits for one, in order), and the container is replaced after
 * `maxRunsPerContainer` runs, at its fork server's first anomaly, or when it stops answering.
 */
export class FreshPool {
  readonly #slots = new Set<Slot>();
  readonly #waiting: Deferred<Slot | Error>[] = [];
  readonly #launch: FreshPoolOptions['launch'];
  readonly #options: ResolvedDockerSandboxOptions;
  readonly #size: number;
  readonly #maxRuns: number;
  readonly #onError: (error: unknown) => void;
  #starting = 0;
  #nextId = 1;
  #closed = false;

  constructor({
    launch,
    options,
    size = DEFAULT_FRESH_CONTAINERS,
    maxRunsPerContainer = DEFAULT_FRESH_MAX_RUNS,
    onError = () => undefined,
  }: FreshPoolOptions) {
    if (!Number.isInteger(size) || size < 1)
      throw new InvalidArgumentError({ message: `freshContainers must be a whole number ≥ 1` });
    if (!Number.isInteger(maxRunsPerContainer) || maxRunsPerContainer < 1)
      throw new InvalidArgumentError({ message: `freshMaxRuns must be a whole number ≥ 1` });
    this.#launch = launch;
    this.#options = options;
    this.#size = size;
    this.#maxRuns = maxRunsPerContainer;
    this.#onError = onError;
  }

  /** Containers started (idle or running). */
  get containers(): number {
    return this.#slots.size;
  }

  /** Starts every container now, rather than at the first runs. */
  async warmUp(signal?: AbortSignal): Promise<void> {
    const missing = this.#size - this.#slots.size - this.#starting;
    const started = await Promise.all(
      Array.from({ length: Math.max(0, missing) }, () => this.#start(signal)),
    );
    for (const slot of started) this.#release(slot);
  }

  async run(options: FreshRunOptions): Promise<Execution> {
    const { code, envs, signal } = options;
    const timeoutMs = options.timeoutMs ?? DEFAULT_EXECUTION_TIMEOUT_MS;
    if (typeof code !== 'string')
      throw new InvalidArgumentError({ message: 'code must be a string' });
    checkTimeoutMs(timeoutMs);
    if (envs !== undefined) checkEnvs(envs);
    const memoryMb = options.memoryMb ?? this.#options.memoryMb;
    if (!(memoryMb > 0))
      throw new InvalidArgumentError({ message: 'memoryMb must be a number above 0' });
    const limit = this.#options.maxOutputBytes;
    const maxOutputBytes = Math.min(options.maxOutputBytes ?? limit, limit);
    if (!Number.isInteger(maxOutputBytes) || maxOutputBytes < 0)
      throw new InvalidArgumentError({
        message: 'maxOutputBytes must be a whole number, 0 or more',
      });
    throwIfAborted(signal, 'The fresh run');
    for (let refusals = 1; ; refusals += 1) {
      const answer = await this.#runOnce({ ...options, timeoutMs, memoryMb, maxOutputBytes });
      if (answer.kind !== 'refused') return answer.execution;
      if (refusals >= MAX_REFUSALS)
        return lostRunExecution({ reason: answer.reason, timedOut: false });
    }
  }

  async #runOnce(
    options: FreshRunOptions & { timeoutMs: number; memoryMb: number; maxOutputBytes: number },
  ): Promise<{ kind: 'done'; execution: Execution } | { kind: 'refused'; reason: string }> {
    const { code, signal, envs, timeoutMs, memoryMb, maxOutputBytes } = options;
    const slot = await this.#acquire(signal);
    const id = this.#nextId++;
    const deferred = new Deferred<Answer>();
    slot.answer = { id, deferred };
    let keep = true;
    try {
      slot.handle.connection.send({
        op: 'run',
        id,
        code,
        timeoutMs,
        maxOutputBytes,
        maxResults: this.#options.maxResults,
        memoryMb,
        ...(envs ? { env: { ...envs } } : {}),
      });
      let answered = await raceDeadline({
        promise: deferred.promise,
        timeoutMs: timeoutMs + FRESH_ANSWER_GRACE_MS,
        signal,
      });
      if (answered.kind === 'abort') {
        // The fork server kills the run and answers it as cancelled.
        slot.handle.connection.send({ op: 'cancel', id });
        answered = await raceDeadline({
          promise: deferred.promise,
          timeoutMs: FRESH_ANSWER_GRACE_MS,
        });
        if (answered.kind !== 'value' || answered.value.kind !== 'end') keep = false;
        throw new AbortedError({ message: 'The fresh run was aborted', cause: signal?.reason });
      }
      const value = answered.kind === 'value' ? answered.value : undefined;
      if (value?.kind === 'refused') {
        keep = false;
        return { kind: 'refused', reason: value.reason };
      }
      if (value?.kind !== 'end') {
        keep = false;
        const reason =
          value?.kind === 'lost'
            ? value.reason
            : `no answer ${FRESH_ANSWER_GRACE_MS} ms past the deadline`;
        const timedOut = answered.kind === 'timeout';
        return { kind: 'done', execution: lostRunExecution({ reason, timedOut }) };
      }
      const execution = freshExecution({
        frame: value.frame,
        options: { ...this.#options, maxOutputBytes },
        run: options,
      });
      return { kind: 'done', execution };
    } finally {
      slot.answer = undefined;
      slot.runs += 1;
      if (!keep) slot.retiring ??= 'the container stopped answering';
      this.#release(slot);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const waiter of this.#waiting.splice(0))
      waiter.resolve(new SandboxClosedError({ message: 'The fresh-run pool was closed' }));
    const slots = [...this.#slots];
    this.#slots.clear();
    for (const slot of slots)
      slot.answer?.deferred.resolve({ kind: 'lost', reason: 'the pool was closed' });
    await Promise.all(slots.map((slot) => this.#remove(slot)));
  }

  async #acquire(signal: AbortSignal | undefined): Promise<Slot> {
    this.#assertOpen();
    let idle: Slot | undefined;
    for (const slot of this.#slots) {
      if (slot.busy || !slot.handle.alive || slot.retiring !== undefined) continue;
      if (idle === undefined || slot.idleSince < idle.idleSince) idle = slot;
    }
    if (idle) {
      idle.busy = true;
      return idle;
    }
    if (this.#slots.size + this.#starting < this.#size) return this.#start(signal);
    const waiter = new Deferred<Slot | Error>();
    this.#waiting.push(waiter);
    const waited = await raceDeadline({ promise: waiter.promise, signal });
    if (waited.kind === 'value') {
      if (waited.value instanceof Error) throw waited.value;
      return waited.value;
    }
    const index = this.#waiting.indexOf(waiter);
    if (index >= 0) this.#waiting.splice(index, 1);
    // Handed a container as the wait was aborted: give it to the next one.
    void waiter.promise.then((slot) => {
      if (!(slot instanceof Error)) this.#release(slot);
    });
    if (waited.kind === 'error') throw waited.error;
    throw new AbortedError({ message: 'Waiting for a fresh-run container was aborted' });
  }

  async #start(signal: AbortSignal | undefined): Promise<Slot> {
    this.#starting += 1;
    try {
      const handle = await this.#launch(signal);
      const slot: Slot = {
        handle,
        runs: 0,
        busy: true,
        idleSince: 0,
        retiring: undefined,
        answer: undefined,
      };
      handle.listener = (event) => this.#onEvent(slot, event);
      this.#slots.add(slot);
      if (this.#closed) {
        await this.#remove(slot);
        this.#assertOpen();
      }
      return slot;
    } finally {
      this.#starting -= 1;
    }
  }

  #onEvent(slot: Slot, event: ContainerEvent): void {
    if (event.type !== 'frame') {
      const reason = event.type === 'violation' ? event.reason : 'the container stopped';
      slot.retiring ??= reason;
      slot.answer?.deferred.resolve({ kind: 'lost', reason });
      return;
    }
    const { frame } = event;
    if (frame.t === 'anomaly' || (frame.t === 'ready' && frame.anomaly !== undefined)) {
      slot.retiring ??= frame.t === 'anomaly' ? frame.reason : (frame.anomaly ?? '');
      if (!slot.busy) this.#release(slot);
      return;
    }
    const answer = slot.answer;
    if (answer === undefined || frame.id !== answer.id) return;
    if (frame.t === 'run-end') {
      if (frame.anomaly !== null) slot.retiring ??= frame.anomaly;
      answer.deferred.resolve({ kind: 'end', frame });
    } else if (frame.t === 'fail') {
      slot.retiring ??= frame.message;
      answer.deferred.resolve({ kind: 'refused', reason: frame.message });
    }
  }

  /** Back to the waiters or idle; replaced when it is spent, retiring or dead. */
  #release(slot: Slot): void {
    slot.busy = false;
    slot.idleSince = performance.now();
    if (!this.#slots.has(slot)) return;
    if (slot.retiring !== undefined || !slot.handle.alive || slot.runs >= this.#maxRuns) {
      this.#slots.delete(slot);
      void this.#remove(slot);
      const waiter = this.#waiting.shift();
      if (waiter && !this.#closed)
        this.#start(undefined).then(
          (fresh) => waiter.resolve(fresh),
          (error: unknown) => {
            this.#onError(error);
            waiter.resolve(error instanceof Error ? error : new Error(String(error)));
          },
        );
      return;
    }
    const waiter = this.#waiting.shift();
    if (waiter) {
      slot.busy = true;
      waiter.resolve(slot);
    }
  }

  async #remove(slot: Slot): Promise<void> {
    slot.handle.listener = () => undefined;
    slot.handle.connection.destroy();
    await removeContainer(slot.handle.container);
  }

  #assertOpen(): void {
    if (this.#closed) throw new SandboxClosedError({ message: 'The fresh-run pool was closed' });
  }
}
