import type { ResultCacheOptions } from './result-cache.ts';
import { ResultCache } from './result-cache.ts';
import type { RetryOptions } from './retry.ts';
import { withRetries } from './retry.ts';
import type { SearchHit, SearchProvider } from './search-provider.ts';

/** Lagent's `black_list`. */
export const DEFAULT_BLOCK_LIST: readonly string[] = [
  'enoN',
  'youtube.com',
  'bilibili.com',
  'researchgate.net',
];
/** Lagent's `topk=20`. */
export const DEFAULT_SEARCH_TOPK = 20;

export interface WebSearcherOptions extends Omit<RetryOptions, 'signal'> {
  provider: SearchProvider;
  /** Results kept per query, after filtering. @default DEFAULT_SEARCH_TOPK */
  topk?: number;
  /** Domains dropped from results (a domain also drops its subdomains). @default DEFAULT_BLOCK_LIST */
  blockList?: readonly string[];
  /** Answers per query are cached. @default Lagent's 100 entries for 600 s */
  cache?: ResultCacheOptions;
}

/**
 * Lagent's `BaseSearch`: one provider, with retries, a TTL cache per query, and
 * `_filter_results` (blocked domains and `.pdf` links dropped, at most `topk` kept).
 */
export class WebSearcher {
  readonly provider: SearchProvider;
  readonly #topk: number;
  readonly #blockList: readonly string[];
  readonly #cache: ResultCache<SearchHit[]>;
  readonly #retry: Omit<RetryOptions, 'signal'>;

  constructor({
    provider,
    topk = DEFAULT_SEARCH_TOPK,
    blockList = DEFAULT_BLOCK_LIST,
    cache,
    ...retry
  }: WebSearcherOptions) {
    this.provider = provider;
    this.#topk = topk;
    this.#blockList = blockList.map((domain) => domain.toLowerCase());
    this.#cache = new ResultCache(cache);
    this.#retry = retry;
  }

  async search({
    query,
    signal,
  }: {
    query: string;
    signal?: AbortSignal | undefined;
  }): Promise<SearchHit[]> {
    const key = query.trim();
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    const hits = await withRetries({
      operation: () => this.provider.search({ query: key, count: this.#topk * 2, signal }),
      ...this.#retry,
      signal,
    });
    const kept = this.#filter(hits);
    this.#cache.set(key, kept);
    return kept;
  }

  #filter(hits: readonly SearchHit[]): SearchHit[] {
    const kept: SearchHit[] = [];
    for (const hit of hits) {
      if (kept.length >= this.#topk) break;
      if (this.#isBlocked(hit.url)) continue;
      kept.push(hit);
    }
    return kept;
  }

  #isBlocked(url: string): boolean {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return true;
    }
    if (parsed.pathname.toLowerCase().endsWith('.pdf')) return true;
    const host = parsed.hostname.toLowerCase();
    return this.#blockList.some((domain) => host === domain || host.endsWith(`.${domain}`));
  }
}
