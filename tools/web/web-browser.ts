import { z } from 'zod';
import type { Action, ActionReturn, RunActionOptions, SessionId } from '../../core/index.ts';
import {
  createActionReturn,
  defineToolApi,
  defineToolkit,
  throwIfAborted,
} from '../../core/index.ts';
import type { SearchProviderConfig } from './create-search-provider.ts';
import { createSearchProvider } from './create-search-provider.ts';
import type { ResolveHost } from './address-guard.ts';
import { DEFAULT_WEB_TIMEOUT_MS } from './http-request.ts';
import type { FetchedPage } from './page-fetcher.ts';
import { PageFetcher } from './page-fetcher.ts';
import type { ResultCacheOptions } from './result-cache.ts';
import type { SearchProvider } from './search-provider.ts';
import { WebSearcher } from './web-searcher.ts';
import { WebToolError } from './web-tool-error.ts';

/** Lagent's `content[:8192]` for each selected page. */
export const DEFAULT_MAX_CONTENT_CHARS = 8192;
/** Pages `select` opens in one call (Lagent's docstring). */
export const MAX_SELECT_IDS = 4;

export interface WebBrowserOptions {
  /** A provider, or a built-in one by Lagent's class name. @default { type: 'DuckDuckGoSearch' } */
  searcher?: SearchProvider | SearchProviderConfig;
  /** Results kept per query. @default DEFAULT_SEARCH_TOPK (20) */
  topk?: number;
  /** Domains dropped from results. @default DEFAULT_BLOCK_LIST */
  blockList?: readonly string[];
  /** Per page fetch, and per search request unless the searcher sets its own. @default DEFAULT_WEB_TIMEOUT_MS */
  timeoutMs?: number;
  /** @default DEFAULT_MAX_PAGE_BYTES */
  maxPageBytes?: number;
  /** @default DEFAULT_MAX_REDIRECTS */
  maxRedirects?: number;
  /** Page text given to the model, per page. @default DEFAULT_MAX_CONTENT_CHARS */
  maxContentChars?: number;
  /** Non-public addresses or CIDR ranges `select`/`open_url` may open anyway. @default [] */
  allowedAddresses?: readonly string[];
  /** @default the system resolver */
  resolveHost?: ResolveHost;
  /** Search answers and pages are cached. @default 100 entries for 600 s each */
  cache?: ResultCacheOptions;
  /** Tries per search query. @default DEFAULT_MAX_ATTEMPTS */
  maxAttempts?: number;
  /** @default DEFAULT_RETRY_DELAY_MS */
  retryDelayMs?: number;
  /** Tool name the model calls. @default 'WebBrowser' */
  name?: string;
}

/** One search result kept for `select`. */
export interface StoredSearchResult {
  url: string;
  summ: string;
  title: string;
}

const searchParameters = z.object({
  query: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .describe('The search query, or a list of queries searched together'),
});
const selectParameters = z.object({
  select_ids: z
    .array(z.number().int().nonnegative())
    .min(1)
    .max(MAX_SELECT_IDS)
    .describe(`The ids of the search results to open (at most ${MAX_SELECT_IDS})`),
});
const openUrlParameters = z.object({ url: z.string().describe('The URL to open') });

/**
 * Lagent's `WebBrowser` toolkit: `search` (one provider chosen by configuration), `select`
 * (open results by id) and `open_url`. Search results are kept per session id, so two
 * sessions sharing the instance never see each other's results; `closeSession` drops them.
 */
export class WebBrowser implements Action {
  readonly #tool: Action;
  readonly #searcher: WebSearcher;
  readonly #fetcher: PageFetcher;
  readonly #maxContentChars: number;
  readonly #results = new Map<SessionId, Map<number, StoredSearchResult>>();

  constructor({
    searcher = { type: 'DuckDuckGoSearch' },
    topk,
    blockList,
    timeoutMs = DEFAULT_WEB_TIMEOUT_MS,
    maxPageBytes,
    maxRedirects,
    maxContentChars = DEFAULT_MAX_CONTENT_CHARS,
    allowedAddresses,
    resolveHost,
    cache,
    maxAttempts,
    retryDelayMs,
    name = 'WebBrowser',
  }: WebBrowserOptions = {}) {
    const provider =
      'search' in searcher ? searcher : createSearchProvider({ timeoutMs, ...searcher });
    this.#searcher = new WebSearcher({
      provider,
      ...definedOnly({ topk, blockList, cache, maxAttempts, retryDelayMs }),
    });
    this.#fetcher = new PageFetcher({
      timeoutMs,
      ...definedOnly({ maxPageBytes, maxRedirects, allowedAddresses, resolveHost, cache }),
    });
    this.#maxContentChars = maxContentChars;
    this.#tool = defineToolkit({
      name,
      description: 'Searches the web and reads pages: search, then select results, or open a URL.',
      apis: {
        search: defineToolApi({
          description:
            'Searches the web. Returns {id: {url, summ, title}}; pass ids to select to read pages.',
          parameters: searchParameters,
          execute: ({ query }, { sessionId, signal }) =>
            this.#guarded(() => this.#search({ queries: [query].flat(), sessionId, signal })),
        }),
        select: defineToolApi({
          description:
            'Opens search results of the last search by id. Returns {id: {url, title, content}}.',
          parameters: selectParameters,
          execute: ({ select_ids }, { sessionId, signal }) =>
            this.#guarded(() => this.#select({ ids: select_ids, sessionId, signal })),
        }),
        open_url: defineToolApi({
          description: 'Opens a web page by URL. Returns {type: "text", content}.',
          parameters: openUrlParameters,
          execute: ({ url }, { signal }) =>
            this.#guarded(async () => {
              const page = await this.#fetcher.fetchPage({ url, signal });
              return { type: 'text', content: page.text.slice(0, this.#maxContentChars) };
            }),
        }),
      },
    });
  }

  get name(): string {
    return this.#tool.name;
  }
  get isToolkit(): boolean {
    return true;
  }
  get description(): Action['description'] {
    return this.#tool.description;
  }
  get apis(): Action['apis'] {
    return this.#tool.apis;
  }

  run(options: RunActionOptions): Promise<ActionReturn> {
    return this.#tool.run(options);
  }

  /** The results `select` would choose from in `sessionId`, if it has searched. */
  searchResults(sessionId: SessionId): ReadonlyMap<number, StoredSearchResult> | undefined {
    return this.#results.get(sessionId);
  }

  closeSession(sessionId: SessionId): Promise<void> {
    this.#results.delete(sessionId);
    return Promise.resolve();
  }

  async dispose(): Promise<void> {
    this.#results.clear();
    await this.#fetcher.close();
  }

  async #search({
    queries,
    sessionId,
    signal,
  }: {
    queries: string[];
    sessionId: SessionId;
    signal: AbortSignal | undefined;
  }): Promise<Record<number, StoredSearchResult>> {
    const settled = await Promise.allSettled(
      queries.map((query) => this.#searcher.search({ query, signal })),
    );
    throwIfAborted(signal, 'The search');
    const failures = settled.filter((outcome) => outcome.status === 'rejected');
    if (failures.length === settled.length && failures[0] !== undefined) throw failures[0].reason;
    // Lagent: one entry per URL, in the order found; summaries of a repeated URL joined by "\n".
    const byUrl = new Map<string, StoredSearchResult>();
    for (const outcome of settled) {
      if (outcome.status === 'rejected') continue;
      for (const hit of outcome.value) {
        const seen = byUrl.get(hit.url);
        if (seen === undefined) {
          byUrl.set(hit.url, { url: hit.url, summ: hit.snippet, title: hit.title });
        } else if (hit.snippet !== '' && !seen.summ.split('\n').includes(hit.snippet)) {
          seen.summ = seen.summ === '' ? hit.snippet : `${seen.summ}\n${hit.snippet}`;
        }
      }
    }
    const results = new Map([...byUrl.values()].map((result, index) => [index, result]));
    this.#results.set(sessionId, results);
    return Object.fromEntries(results);
  }

  async #select({
    ids,
    sessionId,
    signal,
  }: {
    ids: number[];
    sessionId: SessionId;
    signal: AbortSignal | undefined;
  }): Promise<Record<number, { url: string; title: string; content?: string; error?: string }>> {
    const results = this.#results.get(sessionId);
    if (results === undefined) {
      throw new WebToolError({
        code: 'NO_SEARCH_RESULTS',
        message: 'There are no search results to select from in this session: call search first',
      });
    }
    const unknown = ids.filter((id) => !results.has(id));
    if (unknown.length > 0) {
      const available =
        results.size === 0 ? 'the last search found nothing' : `ids 0 to ${results.size - 1} exist`;
      throw new WebToolError({
        code: 'UNKNOWN_RESULT_ID',
        message: `No search result with id ${unknown.join(', ')}: ${available}`,
      });
    }
    const unique = [...new Set(ids)];
    const pages = await Promise.allSettled(
      unique.map((id) => this.#fetcher.fetchPage({ url: results.get(id)?.url ?? '', signal })),
    );
    throwIfAborted(signal, 'Fetching the pages');
    const failures = pages.filter((page) => page.status === 'rejected');
    if (failures.length === pages.length && failures[0] !== undefined) {
      const first: unknown = failures[0].reason;
      if (!WebToolError.isInstance(first) || failures.length === 1) throw first;
      throw new WebToolError({
        code: first.code,
        message: failures
          .map((failure, index) => `${unique[index]}: ${errorText(failure.reason)}`)
          .join('\n'),
      });
    }
    const selected: Record<
      number,
      { url: string; title: string; content?: string; error?: string }
    > = {};
    unique.forEach((id, index) => {
      const result = results.get(id);
      const page = pages[index];
      if (result === undefined || page === undefined) return;
      selected[id] =
        page.status === 'fulfilled'
          ? {
              url: result.url,
              title: result.title || page.value.title,
              content: this.#cut(page.value),
            }
          : { url: result.url, title: result.title, error: errorText(page.reason) };
    });
    return selected;
  }

  #cut(page: FetchedPage): string {
    return page.text.slice(0, this.#maxContentChars);
  }

  // A WebToolError is the tool's answer: an ActionReturn with its status and message.
  async #guarded(operation: () => Promise<unknown>): Promise<unknown> {
    try {
      return await operation();
    } catch (error) {
      if (!WebToolError.isInstance(error)) throw error;
      return createActionReturn({ errmsg: error.message, state: error.status });
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Drops undefined values, for exactOptionalPropertyTypes. */
function definedOnly<VALUES extends Record<string, unknown>>(
  values: VALUES,
): { [KEY in keyof VALUES]?: Exclude<VALUES[KEY], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as {
    [KEY in keyof VALUES]?: Exclude<VALUES[KEY], undefined>;
  };
}
