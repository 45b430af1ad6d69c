/** Lagent's `TTLCache(maxsize=100, ttl=600)`. */
export const DEFAULT_CACHE_MAX_ENTRIES = 100;
export const DEFAULT_CACHE_TTL_MS = 600_000;

export interface ResultCacheOptions {
  /** Oldest entries are dropped past this. @default DEFAULT_CACHE_MAX_ENTRIES */
  maxEntries?: number;
  /** How long an entry is served; 0 turns caching off. @default DEFAULT_CACHE_TTL_MS */
  ttlMs?: number;
  /** Clock in milliseconds (tests pass a fake one). @default Date.now */
  now?: () => number;
}

/** A small map whose entries expire after `ttlMs` and whose oldest entry goes when full. */
export class ResultCache<VALUE> {
  readonly #entries = new Map<string, { value: VALUE; expiresAt: number }>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor({
    maxEntries = DEFAULT_CACHE_MAX_ENTRIES,
    ttlMs = DEFAULT_CACHE_TTL_MS,
    now = Date.now,
  }: ResultCacheOptions = {}) {
    this.#maxEntries = maxEntries;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  get(key: string): VALUE | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: VALUE): void {
    if (this.#ttlMs <= 0 || this.#maxEntries <= 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: this.#now() + this.#ttlMs });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
