/** A promise with its resolve exposed; resolving twice keeps the first value. */
export class Deferred<T> {
  readonly promise: Promise<T>;
  #resolve!: (value: T) => void;
  #settled = false;

  constructor() {
    this.promise = new Promise<T>((resolve) => {
      this.#resolve = resolve;
    });
  }

  get settled(): boolean {
    return this.#settled;
  }

  resolve(value: T): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve(value);
  }
}

/** True if one of `promises` settles within `timeoutMs`; the timer never outlives the wait. */
export async function settleWithin({
  promises,
  timeoutMs,
}: {
  promises: readonly Promise<unknown>[];
  timeoutMs: number;
}): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      ...promises.map((promise) =>
        promise.then(
          () => true as const,
          () => true as const,
        ),
      ),
      expired,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
