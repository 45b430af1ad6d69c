import { z } from 'zod';
import type {
  ProviderBaseOptions,
  ProviderSearchOptions,
  SearchHit,
  SearchProvider,
} from './search-provider.ts';
import { requestProviderJson, resolveApiKey } from './search-provider.ts';

export const SERPER_SEARCH_URL = 'https://google.serper.dev/search';

export interface SerperSearchOptions extends ProviderBaseOptions {
  /** @default process.env.SERPER_API_KEY */
  apiKey?: string;
  /** Google's `gl` country, e.g. `'us'`; left to Serper when unset. */
  country?: string;
  /** Google's `hl` language, e.g. `'en'`; left to Serper when unset. */
  language?: string;
}

// serper.dev /search: {searchParameters, answerBox?, knowledgeGraph?, organic: [{title, link, snippet, position}]}.
const responseSchema = z.object({
  organic: z
    .array(z.object({ title: z.string(), link: z.string(), snippet: z.string().optional() }))
    .optional(),
});

/** Google results through serper.dev (POST JSON, header `X-API-KEY`); Lagent's `GoogleSearch`. */
export class SerperSearch implements SearchProvider {
  readonly name = 'Serper';
  readonly #options: SerperSearchOptions;

  constructor(options: SerperSearchOptions = {}) {
    this.#options = options;
  }

  async search({ query, count, signal }: ProviderSearchOptions): Promise<SearchHit[]> {
    const { baseUrl = SERPER_SEARCH_URL, country, language } = this.#options;
    const apiKey = resolveApiKey({
      apiKey: this.#options.apiKey,
      env: this.#options.env,
      variable: 'SERPER_API_KEY',
      provider: this.name,
    });
    const data = await requestProviderJson({
      provider: this.name,
      schema: responseSchema,
      url: baseUrl,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': apiKey,
      },
      body: JSON.stringify({
        q: query,
        num: count,
        ...(country === undefined ? {} : { gl: country }),
        ...(language === undefined ? {} : { hl: language }),
      }),
      timeoutMs: this.#options.timeoutMs,
      signal,
    });
    return (data.organic ?? []).map((result) => ({
      url: result.link,
      title: result.title,
      snippet: result.snippet ?? '',
    }));
  }
}
