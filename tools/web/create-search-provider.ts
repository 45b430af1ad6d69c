import type { BingSearchOptions } from './bing-search.ts';
import { BingSearch } from './bing-search.ts';
import type { BraveSearchOptions } from './brave-search.ts';
import { BraveSearch } from './brave-search.ts';
import type { DuckDuckGoSearchOptions } from './duckduckgo-search.ts';
import { DuckDuckGoSearch } from './duckduckgo-search.ts';
import type { SearchProvider } from './search-provider.ts';
import type { SearxngSearchOptions } from './searxng-search.ts';
import { SearxngSearch } from './searxng-search.ts';
import type { SerperSearchOptions } from './serper-search.ts';
import { SerperSearch } from './serper-search.ts';
import type { TavilySearchOptions } from './tavily-search.ts';
import { TavilySearch } from './tavily-search.ts';

/** A built-in provider by Lagent's class name, with its options. */
export type SearchProviderConfig =
  | ({ type: 'DuckDuckGoSearch' } & DuckDuckGoSearchOptions)
  | ({ type: 'SearxngSearch' } & SearxngSearchOptions)
  | ({ type: 'BraveSearch' } & BraveSearchOptions)
  | ({ type: 'BingSearch' } & BingSearchOptions)
  | ({ type: 'TavilySearch' } & TavilySearchOptions)
  | ({ type: 'SerperSearch' | 'GoogleSearch' } & SerperSearchOptions);

export type SearchProviderType = SearchProviderConfig['type'];

/** Builds the provider a configuration names (Lagent's `searcher_type` plus `**searcher_kwargs`). */
export function createSearchProvider(config: SearchProviderConfig): SearchProvider {
  switch (config.type) {
    case 'DuckDuckGoSearch': {
      const { type: _type, ...options } = config;
      return new DuckDuckGoSearch(options);
    }
    case 'SearxngSearch': {
      const { type: _type, ...options } = config;
      return new SearxngSearch(options);
    }
    case 'BraveSearch': {
      const { type: _type, ...options } = config;
      return new BraveSearch(options);
    }
    case 'BingSearch': {
      const { type: _type, ...options } = config;
      return new BingSearch(options);
    }
    case 'TavilySearch': {
      const { type: _type, ...options } = config;
      return new TavilySearch(options);
    }
    case 'SerperSearch':
    case 'GoogleSearch': {
      const { type: _type, ...options } = config;
      return new SerperSearch(options);
    }
  }
}
