import type { Agent } from 'undici';
import type { ResolveHost } from './address-guard.ts';
import { AddressPolicy } from './address-guard.ts';
import { htmlToReadableText, tidyText } from './html-to-readable-text.ts';
import type { AddressGuard, HttpResponse } from './http-request.ts';
import {
  createGuardedAgent,
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_WEB_TIMEOUT_MS,
  httpRequest,
} from './http-request.ts';
import type { ResultCacheOptions } from './result-cache.ts';
import { ResultCache } from './result-cache.ts';
import { WebToolError } from './web-tool-error.ts';

/** Largest page read (after decompression); larger ones fail with TOO_LARGE. */
export const DEFAULT_MAX_PAGE_BYTES = 2 * 1024 * 1024;

export interface PageFetcherOptions {
  /** Per page, redirects and body included. @default DEFAULT_WEB_TIMEOUT_MS (Lagent's 5 s) */
  timeoutMs?: number;
  /** @default DEFAULT_MAX_PAGE_BYTES */
  maxPageBytes?: number;
  /** @default DEFAULT_MAX_REDIRECTS */
  maxRedirects?: number;
  /**
   * Non-public addresses or CIDR ranges that may be opened anyway (e.g. `['127.0.0.1']`
   * for a local test server). Empty by default: loopback, private, link-local (cloud
   * metadata) and other non-public addresses are refused.
   */
  allowedAddresses?: readonly string[];
  /** @default the system resolver */
  resolveHost?: ResolveHost;
  /** Pages are cached by URL. @default 100 entries for 600 s */
  cache?: ResultCacheOptions;
}

/** A fetched page as readable text. */
export interface FetchedPage {
  /** The final URL, after redirects. */
  url: string;
  title: string;
  text: string;
}

const htmlTypes = new Set(['text/html', 'application/xhtml+xml']);
const textTypes = new Set(['application/json', 'application/xml', 'application/javascript']);

/**
 * Lagent's `ContentFetcher`: GET a page and turn it into readable text, with a time limit,
 * a size limit, a redirect limit, a cache, and the address guard on every hop (the URL
 * comes from model output, so it must not reach loopback, the LAN or cloud metadata).
 */
export class PageFetcher {
  readonly #options: Required<
    Pick<PageFetcherOptions, 'timeoutMs' | 'maxPageBytes' | 'maxRedirects'>
  >;
  readonly #cache: ResultCache<FetchedPage>;
  readonly #agent: Agent;
  readonly #guard: AddressGuard;

  constructor({
    timeoutMs = DEFAULT_WEB_TIMEOUT_MS,
    maxPageBytes = DEFAULT_MAX_PAGE_BYTES,
    maxRedirects = DEFAULT_MAX_REDIRECTS,
    allowedAddresses = [],
    resolveHost,
    cache,
  }: PageFetcherOptions = {}) {
    this.#options = { timeoutMs, maxPageBytes, maxRedirects };
    this.#cache = new ResultCache(cache);
    const policy = new AddressPolicy({
      allowedAddresses,
      ...(resolveHost === undefined ? {} : { resolveHost }),
    });
    this.#agent = createGuardedAgent(policy);
    this.#guard = { policy, dispatcher: this.#agent };
  }

  /** Fetches `url` (or serves it from the cache). Throws WebToolError. */
  async fetchPage({
    url,
    signal,
  }: {
    url: string;
    signal?: AbortSignal | undefined;
  }): Promise<FetchedPage> {
    const cached = this.#cache.get(url);
    if (cached !== undefined) return cached;
    const response = await httpRequest({
      url,
      headers: { accept: 'text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5' },
      timeoutMs: this.#options.timeoutMs,
      maxBytes: this.#options.maxPageBytes,
      maxRedirects: this.#options.maxRedirects,
      signal,
      guard: this.#guard,
    });
    const page = toReadablePage(response);
    this.#cache.set(url, page);
    return page;
  }

  /** Closes the pooled connections. */
  async close(): Promise<void> {
    this.#cache.clear();
    await this.#agent.close();
  }
}

function toReadablePage(response: HttpResponse): FetchedPage {
  const contentType = response.headers.get('content-type') ?? '';
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  const raw = decode({ body: response.body, contentType });
  const looksLikeHtml = mediaType === '' && /^\s*</.test(raw);
  if (htmlTypes.has(mediaType) || looksLikeHtml) {
    const { title, text } = htmlToReadableText(raw);
    return { url: response.url, title, text };
  }
  if (
    mediaType.startsWith('text/') ||
    textTypes.has(mediaType) ||
    mediaType.endsWith('+json') ||
    mediaType.endsWith('+xml')
  ) {
    return { url: response.url, title: '', text: tidyText(raw) };
  }
  throw new WebToolError({
    code: 'UNSUPPORTED_CONTENT',
    message: `${response.url} is ${mediaType || 'of unknown type'}, which cannot be read as text`,
  });
}

/** Decodes with the charset of the Content-Type header, else of a <meta> tag, else UTF-8. */
function decode({ body, contentType }: { body: Uint8Array; contentType: string }): string {
  const head = new TextDecoder('latin1').decode(body.subarray(0, 2048));
  const charset =
    /charset=["']?([\w.:-]+)/i.exec(contentType)?.[1] ??
    /<meta[^>]+charset=["']?([\w.:-]+)/i.exec(head)?.[1] ??
    'utf-8';
  try {
    return new TextDecoder(charset).decode(body);
  } catch {
    return new TextDecoder().decode(body);
  }
}
