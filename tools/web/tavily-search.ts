import { z } from 'zod';
import type {
  ProviderBaseOptions,
  ProviderSearchOptions,
  SearchHit,
  SearchProvider,
} from './search-provider.ts';
import { requestProviderJson, resolveApiKey } from './search-provider.ts';

export const TAVILY_SEARCH_URL = 'https://api.tavily.com/search';
/** Tavily's largest `max_results`. */
const maxCount = 20;

export interface TavilySearchOptions extends ProviderBaseOptions {
  /** @default process.env.TAVILY_API_KEY */
  apiKey?: string;
  /** Tavily's `search_depth`. @default 'basic' */
  searchDepth?: 'basic' | 'advanced';
  /** Tavily's `topic`. @default 'general' */
  topic?: 'general' | 'news';
}

// Tavily /search: {query, results: [{title, url, content, score, raw_content?}], response_time}.
const responseSchema = z.object({
  results: z.array(
    z.object({ title: z.string(), url: z.string(), content: z.string().optional() }),
  ),
});

/** Tavily's search endpoint (POST JSON, `Authorization: Bearer <key>`). */
export class TavilySearch implements SearchProvider {
  readonly name = 'Tavily';
  readonly #options: TavilySearchOptions;

  constructor(options: TavilySearchOptions = {}) {
    this.#options = options;
  }

  async search({ query, count, signal }: ProviderSearchOptions): Promise<SearchHit[]> {
    const { baseUrl = TAVILY_SEARCH_URL, searchDepth = 'basic', topic = 'general' } = this.#options;
    const apiKey = resolveApiKey({
      apiKey: this.#options.apiKey,
      env: this.#options.env,
      variable: 'TAVILY_API_KEY',
      provider: this.name,
    });
    const data = await requestProviderJson({
      provider: this.name,
      schema: responseSchema,
      url: baseUrl,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${apiKey}`,
      },
      body: JSON.stringify({
        query,
        max_results: Math.min(count, maxCount),
        search_depth: searchDepth,
        topic,
      }),
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
