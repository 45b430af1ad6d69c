import { z } from 'zod';
import type {
  ProviderBaseOptions,
  ProviderSearchOptions,
  SearchHit,
  SearchProvider,
} from './search-provider.ts';
import { requestProviderJson, resolveApiKey, stripMarkup } from './search-provider.ts';

export const BRAVE_SEARCH_URL = 'https://api.search.brave.com/res/v1/web/search';
/** Brave's largest `count`. */
const maxCount = 20;

export interface BraveSearchOptions extends ProviderBaseOptions {
  /** @default process.env.BRAVE_API_KEY */
  apiKey?: string;
  /** Brave's `country`, e.g. `'US'`; left to Brave when unset. */
  country?: string;
  /** Brave's `search_lang`, e.g. `'en'`; left to Brave when unset. */
  searchLanguage?: string;
  /** Add Brave's `extra_snippets` to each summary. @default true (Lagent's `extra_snippests`) */
  extraSnippets?: boolean;
}

// https://api-dashboard.search.brave.com: WebSearchApiResponse, `web.results[]`.
const responseSchema = z.object({
  web: z
    .object({
      results: z.array(
        z.object({
          title: z.string(),
          url: z.string(),
          description: z.string().optional(),
          extra_snippets: z.array(z.string()).optional(),
        }),
      ),
    })
    .optional(),
});

/** Brave Search's web endpoint (header `X-Subscription-Token`). */
export class BraveSearch implements SearchProvider {
  readonly name = 'Brave';
  readonly #options: BraveSearchOptions;

  constructor(options: BraveSearchOptions = {}) {
    this.#options = options;
  }

  async search({ query, count, signal }: ProviderSearchOptions): Promise<SearchHit[]> {
    const {
      baseUrl = BRAVE_SEARCH_URL,
      country,
      searchLanguage,
      extraSnippets = true,
    } = this.#options;
    const apiKey = resolveApiKey({
      apiKey: this.#options.apiKey,
      env: this.#options.env,
      variable: 'BRAVE_API_KEY',
      provider: this.name,
    });
    const url = new URL(baseUrl);
    url.searchParams.set('q', query);
    url.searchParams.set('count', String(Math.min(count, maxCount)));
    if (country !== undefined) url.searchParams.set('country', country);
    if (searchLanguage !== undefined) url.searchParams.set('search_lang', searchLanguage);
    if (extraSnippets) url.searchParams.set('extra_snippets', 'true');
    const data = await requestProviderJson({
      provider: this.name,
      schema: responseSchema,
      url,
      headers: { 'x-subscription-token': apiKey },
      timeoutMs: this.#options.timeoutMs,
      signal,
    });
    return (data.web?.results ?? []).map((result) => ({
      url: result.url,
      title: stripMarkup(result.title),
      snippet: [result.description ?? '', ...(extraSnippets ? (result.extra_snippets ?? []) : [])]
        .map(stripMarkup)
        .filter((text) => text !== '')
        .join('\n'),
    }));
  }
}
