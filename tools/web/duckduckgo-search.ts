import { load } from 'cheerio/slim';
import { httpRequest } from './http-request.ts';
import type {
  ProviderBaseOptions,
  ProviderSearchOptions,
  SearchHit,
  SearchProvider,
} from './search-provider.ts';
import { WebToolError } from './web-tool-error.ts';

export const DUCKDUCKGO_SEARCH_URL = 'https://html.duckduckgo.com/html/';

export interface DuckDuckGoSearchOptions extends ProviderBaseOptions {
  /** DuckDuckGo's `kl` region, e.g. `'us-en'`; DuckDuckGo's default when unset. */
  region?: string;
}

/**
 * DuckDuckGo's HTML results page (no key, no JavaScript): the form is POSTed as the page
 * itself does, and the result blocks (`.result`, ads excluded) are read with cheerio.
 */
export class DuckDuckGoSearch implements SearchProvider {
  readonly name = 'DuckDuckGo';
  readonly #options: DuckDuckGoSearchOptions;

  constructor(options: DuckDuckGoSearchOptions = {}) {
    this.#options = options;
  }

  async search({ query, count, signal }: ProviderSearchOptions): Promise<SearchHit[]> {
    const { baseUrl = DUCKDUCKGO_SEARCH_URL, region } = this.#options;
    const form = new URLSearchParams({ q: query, ...(region === undefined ? {} : { kl: region }) });
    const response = await httpRequest({
      url: baseUrl,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: form.toString(),
      ...(this.#options.timeoutMs === undefined ? {} : { timeoutMs: this.#options.timeoutMs }),
      signal,
    });
    // DuckDuckGo answers a suspected bot with 202 and a challenge page instead of results.
    if (response.status === 202) {
      throw new WebToolError({
        code: 'HTTP_STATUS',
        message: 'DuckDuckGo refused the search for now (HTTP 202, rate limited)',
        httpStatus: 202,
        isRetryable: true,
      });
    }
    return parseDuckDuckGoHtml({ html: new TextDecoder().decode(response.body), baseUrl }).slice(
      0,
      count,
    );
  }
}

/** Reads the results of a html.duckduckgo.com page: `a.result__a` and `.result__snippet`. */
export function parseDuckDuckGoHtml({
  html,
  baseUrl,
}: {
  html: string;
  baseUrl: string;
}): SearchHit[] {
  const $ = load(html);
  const hits: SearchHit[] = [];
  $('.result').each((_index, element) => {
    const block = $(element);
    if (block.hasClass('result--ad')) return;
    const link = block.find('a.result__a').first();
    const href = link.attr('href');
    if (href === undefined) return;
    const url = resultUrl({ href, baseUrl });
    if (url === undefined) return;
    hits.push({
      url,
      title: link.text().trim(),
      snippet: block.find('.result__snippet').first().text().replace(/\s+/g, ' ').trim(),
    });
  });
  return hits;
}

// Result links go through DuckDuckGo's redirector: //duckduckgo.com/l/?uddg=<target>&rut=...
function resultUrl({ href, baseUrl }: { href: string; baseUrl: string }): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(href, baseUrl);
  } catch {
    return undefined;
  }
  const target = parsed.pathname === '/l/' ? parsed.searchParams.get('uddg') : null;
  const url = target ?? parsed.href;
  return /^https?:\/\//i.test(url) ? url : undefined;
}
