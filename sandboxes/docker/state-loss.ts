import type { ContainerEvent } from './container-launcher.ts';
import { describeLossCause } from './execution-errors.ts';
import type { Outcome } from './execution-outcome.ts';

/** A kernel death or container loss, and what the engine's OOM report is looked up by. */
export interface StateLoss {
  readonly outcome: Extract<Outcome, { kind: 'died' | 'lost' }>;
  readonly container: string;
  /** The engine's OOM events since then count as this loss's cause. */
  readonly sinceMs: number;
  /** The execution that was sent, but not yet begun by the driver, when the kernel died. */
  readonly beforeExecution?: number;
  /**
   * How stopping an aborted call cost the state (its kernel restarted, its container
   * replaced): the call was answered with AbortedError, so the next one says it.
   */
  readonly abortedStop?: string;
}

/**
 * Watches a session's container events for a kernel death or container loss that no
 * execution reports (it came between calls), and keeps the first one until the next
 * `runCode` reports it: a fresh kernel that answers must not hide that the state is gone.
 */
export class StateLossLog {
  #pending: StateLoss | undefined;
  #lostContainer: string | undefined;

  /** A few words on the loss not reported yet, or undefined. */
  get description(): string | undefined {
    if (this.#pending?.abortedStop) return `a cancelled call's ${this.#pending.abortedStop}`;
    return this.#pending && describeLossCause(this.#pending.outcome);
  }

  /** An aborted call whose stop cost the state (see StateLoss.abortedStop). */
  noteAbortedStop({
    how,
    container,
    sinceMs,
  }: {
    how: string;
    container: string;
    sinceMs: number;
  }): void {
    this.#note({ outcome: { kind: 'lost', reason: how }, container, sinceMs, abortedStop: how });
  }

  /**
   * Notes what `event`, from `container`, means for the session's state. `running` is the
   * execution sent to the driver and not ended; `sinceMs` when the session was last used.
   * False when the event only repeats that the container was lost (a violation, then the close).
   */
  observe({
    event,
    container,
    running,
    sinceMs,
  }: {
    event: ContainerEvent;
    container: string;
    running: number | undefined;
    sinceMs: number;
  }): boolean {
    if (event.type !== 'frame') {
      if (container === this.#lostContainer) return false;
      this.#lostContainer = container;
      const reason = event.type === 'violation' ? event.reason : 'the container stopped';
      // A running execution hears of it through its own waiter.
      if (running === undefined)
        this.#note({ outcome: { kind: 'lost', reason }, container, sinceMs });
      return true;
    }
    const { frame } = event;
    // The driver names the execution it runs: a death without that id came before the
    // driver began it, so the kernel died between calls.
    if (frame.t === 'died' && (running === undefined || frame.id !== running)) {
      this.#note({
        outcome: { kind: 'died', code: frame.code, signal: frame.signal },
        container,
        sinceMs,
        ...(running === undefined ? {} : { beforeExecution: running }),
      });
    }
    return true;
  }

  /** The loss to report now; with `beforeExecution`, only one that came just before it. */
  take({ beforeExecution }: { beforeExecution?: number } = {}): StateLoss | undefined {
    const loss = this.#pending;
    if (beforeExecution !== undefined && loss?.beforeExecution !== beforeExecution)
      return undefined;
    this.#pending = undefined;
    return loss;
  }

  /** Forgets a loss the caller asked for (a restart). */
  clear(): void {
    this.#pending = undefined;
  }

  #note(loss: StateLoss): void {
    // The first loss is the one to report: a later one only repeats that the state is gone.
    this.#pending ??= loss;
  }
}
