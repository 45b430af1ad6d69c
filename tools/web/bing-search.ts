import { z } from 'zod';
import type {
  ProviderBaseOptions,
  ProviderSearchOptions,
  SearchHit,
  SearchProvider,
} from './search-provider.ts';
import { requestProviderJson, resolveApiKey } from './search-provider.ts';

export const BING_SEARCH_URL = 'https://api.bing.microsoft.com/v7.0/search';

export interface BingSearchOptions extends ProviderBaseOptions {
  /** @default process.env.BING_API_KEY */
  apiKey?: string;
  /** Bing's `mkt`, e.g. `'en-US'` (Lagent's `region`, default `'zh-CN'`); left to Bing when unset. */
  market?: string;
}

// Bing Web Search API v7: SearchResponse, `webPages.value[]` of WebPage {name, url, snippet}.
const responseSchema = z.object({
  webPages: z
    .object({
      value: z.array(
        z.object({ name: z.string(), url: z.string(), snippet: z.string().optional() }),
      ),
    })
    .optional(),
});

/** Bing Web Search v7 (header `Ocp-Apim-Subscription-Key`). */
export class BingSearch implements SearchProvider {
  readonly name = 'Bing';
  readonly #options: BingSearchOptions;

  constructor(options: BingSearchOptions = {}) {
    this.#options = options;
  }

  async search({ query, count, signal }: ProviderSearchOptions): Promise<SearchHit[]> {
    const { baseUrl = BING_SEARCH_URL, market } = this.#options;
    const apiKey = resolveApiKey({
      apiKey: this.#options.apiKey,
      env: this.#options.env,
      variable: 'BING_API_KEY',
      provider: this.name,
    });
    const url = new URL(baseUrl);
    url.searchParams.set('q', query);
    url.searchParams.set('count', String(count));
    url.searchParams.set('responseFilter', 'Webpages');
    if (market !== undefined) url.searchParams.set('mkt', market);
    const data = await requestProviderJson({
      provider: this.name,
      schema: responseSchema,
      url,
      headers: { 'ocp-apim-subscription-key': apiKey },
      timeoutMs: this.#options.timeoutMs,
      signal,
    });
    return (data.webPages?.value ?? []).map((page) => ({
      url: page.url,
      title: page.name,
      snippet: page.snippet ?? '',
    }));
  }
}
