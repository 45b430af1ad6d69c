import { z } from 'zod';
import type {
  ProviderBaseOptions,
  ProviderSearchOptions,
  SearchHit,
  SearchProvider,
} from './search-provider.ts';
import { requestProviderJson } from './search-provider.ts';
import { WebToolError } from './web-tool-error.ts';

export interface SearxngSearchOptions extends ProviderBaseOptions {
  /** The instance, e.g. `'http://127.0.0.1:8888'` (its `/search` is called). @default process.env.SEARXNG_URL */
  baseUrl?: string;
  /** Sent as header `authName: apiKey`, for instances behind a token check. */
  apiKey?: string;
  /** @default 'searxng' (Lagent's `auth_name`) */
  authName?: string;
  /** SearXNG's `language`, e.g. `'en'`; the instance default when unset. */
  language?: string;
  /** @default 'general' */
  categories?: string;
}

// SearXNG /search?format=json: {query, number_of_results, results: [{url, title, content, engine, ...}], answers, ...}.
const responseSchema = z.object({
  results: z.array(z.object({ url: z.string(), title: z.string(), content: z.string().nullish() })),
});

/** A SearXNG instance's JSON API (`format=json` must be enabled in its settings). Needs no key. */
export class SearxngSearch implements SearchProvider {
  readonly name = 'SearXNG';
  readonly #options: SearxngSearchOptions;

  constructor(options: SearxngSearchOptions = {}) {
    this.#options = options;
  }

  async search({ query, signal }: ProviderSearchOptions): Promise<SearchHit[]> {
    const {
      env = process.env,
      authName = 'searxng',
      apiKey,
      language,
      categories = 'general',
    } = this.#options;
    const baseUrl = this.#options.baseUrl ?? env['SEARXNG_URL'];
    if (baseUrl === undefined || baseUrl.trim() === '') {
      throw new WebToolError({
        code: 'MISSING_API_KEY',
        message: 'SearXNG search needs an instance URL: pass baseUrl or set SEARXNG_URL',
      });
    }
    const url = new URL('search', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    url.searchParams.set('q', query);
    url.searchParams.set('format', 'json');
    url.searchParams.set('categories', categories);
    if (language !== undefined) url.searchParams.set('language', language);
    const data = await requestProviderJson({
      provider: this.name,
      schema: responseSchema,
      url,
      headers: {
        ...(apiKey === undefined ? {} : { [authName]: apiKey }),
      },
      timeoutMs: this.#options.timeoutMs,
      signal,
    });
    return data.results.map((result) => ({
      url: result.url,
      title: result.title,
      snippet: result.content ?? '',
    }));
  }
}
