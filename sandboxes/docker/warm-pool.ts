import { sleep } from '../../core/index.ts';
import type { ContainerHandle } from './container-launcher.ts';
import { removeContainer } from './container-launcher.ts';

/**
 * Ready containers waiting for a session. `take()` hands one over at once; the pool then
 * refills in the background, starting at most `concurrency` containers at a time.
 */
export class WarmPool {
  readonly #ready: ContainerHandle[] = [];
  readonly #launch: () => Promise<ContainerHandle>;
  readonly #onError: (error: unknown) => void;
  readonly #concurrency: number;
  #size: number;
  #starting = 0;
  #failures = 0;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  constructor({
    size,
    launch,
    onError,
    concurrency = 2,
  }: {
    size: number;
    launch: () => Promise<ContainerHandle>;
    onError: (error: unknown) => void;
    concurrency?: number;
  }) {
    this.#size = size;
    this.#launch = launch;
    this.#onError = onError;
    this.#concurrency = concurrency;
    this.refill();
  }

  /** Containers ready now. */
  get available(): number {
    return this.#ready.length;
  }

  get size(): number {
    return this.#size;
  }

  /** A ready container, or undefined when none is (the caller then starts one itself). */
  take(): ContainerHandle | undefined {
    let handle = this.#ready.shift();
    while (handle && !handle.alive) handle = this.#ready.shift();
    this.refill();
    return handle;
  }

  /** Starts containers until ready + starting reaches the target size. */
  refill(): void {
    if (this.#retry) return; // backing off after failures
    while (
      !this.#closed &&
      this.#ready.length + this.#starting < this.#size &&
      this.#starting < this.#concurrency
    ) {
      this.#starting += 1;
      this.#launch()
        .then((handle) => {
          if (this.#closed) {
            handle.connection.destroy();
            return removeContainer(handle.container);
          }
          // A pooled container that dies is dropped when taken (alive is false).
          this.#ready.push(handle);
          this.#failures = 0;
          return undefined;
        })
        .catch((error: unknown) => {
          this.#failures += 1;
          this.#onError(error);
        })
        .finally(() => {
          this.#starting -= 1;
          if (this.#failures === 0) {
            this.refill();
          } else if (!this.#retry && !this.#closed) {
            // A broken engine or a missing image must not turn the pool into a busy loop.
            const delayMs = Math.min(30_000, 500 * 2 ** (this.#failures - 1));
            this.#retry = setTimeout(() => {
              this.#retry = undefined;
              this.refill();
            }, delayMs);
            this.#retry.unref();
          }
        });
    }
  }

  /** Resolves when the pool is full (or closed): for start-up and benchmarks. */
  async filled({ timeoutMs = 120_000 }: { timeoutMs?: number } = {}): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (
      !this.#closed &&
      this.#ready.filter((handle) => handle.alive).length < this.#size &&
      Date.now() < until
    ) {
      await sleep(25);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const handles = this.#ready.splice(0);
    await Promise.all(
      handles.map((handle) => {
        handle.connection.destroy();
        return removeContainer(handle.container);
      }),
    );
  }
}
